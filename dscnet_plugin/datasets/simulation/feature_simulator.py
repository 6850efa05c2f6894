"""C3D-like feature sequences simulated from real action timelines.

Generative model of clip ``t`` of a video (all draws fixed by ``seed``)::

    z_t = a_video + s_scene + sum_e o_e(t) * sig_e + n_t          (latent, h-d)
    x_t = max(0, P z_t)                                            (D-d, >= 0)

* ``o_e(t)`` in ``[0, 1]``: the share of clip ``t`` covered by event ``e``
  of the real timeline (soft at boundaries, overlaps add up);
* ``sig_c = g * sqrt(h) * (k * unit(W (v_c - mean v)) + sqrt(1 - k^2) * unit(u_c))``:
  the signature of the event's concept ``c``. ``v_c`` is the concept's
  word-vector description (:mod:`.concept_vectors`), centred over the
  concepts (``mean v``; a concept without known words gets ``unit(u_c)``
  alone), ``W`` an unknown fixed
  random map, ``u_c`` concept-specific noise and ``k = text_relation`` the
  knob: at 0 text and video are unrelated (the only signal is "something
  happens here"), at 1 a concept's look is a function of its words;
* ``a_video`` a per-video appearance vector, ``s_scene`` a per-scene vector,
  ``n_t`` AR(1) noise (correlation ``noise_rho`` between consecutive clips);
* ``P`` a fixed random ``D x h`` map; the ReLU makes the features
  non-negative like post-ReLU C3D activations.

Nothing of this is written next to the features except the parameters
(``<output>.json``): a model sees the features, the real annotations and
the word vectors, as with real data.
"""
import hashlib
import json
import os
import os.path as osp
import zlib
from typing import Dict, Iterable, Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from scipy.signal import lfilter

from ...registry import DATA_SOURCES
from ...utils import atomic_text, atomic_write, track
from .timelines import VideoTimeline

FORMAT_VERSION = 2


def _key_rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator seeded by ``seed`` and string keys (order-independent
    of everything else, so a subset of videos gets the same draws)."""
    return np.random.default_rng([seed] + [zlib.crc32(k.encode()) for k in keys])


def _unit(x: np.ndarray) -> np.ndarray:
    return x / max(float(np.linalg.norm(x)), 1e-12)


def _concepts_sha1(concept_vectors: Dict[str, np.ndarray]) -> str:
    digest = hashlib.sha1()
    for c in sorted(concept_vectors):
        digest.update(c.encode() + b'\0')
        digest.update(np.ascontiguousarray(concept_vectors[c], np.float32).tobytes())
    return digest.hexdigest()


def _timelines_sha1(timelines: Sequence[VideoTimeline]) -> str:
    data = [[tl.vid, tl.duration, tl.scene, [list(e) for e in tl.events]]
            for tl in timelines]
    return hashlib.sha1(json.dumps(data).encode()).hexdigest()


@DATA_SOURCES.register_module()
class TimelineFeatureSimulator:
    """Simulates per-video feature sequences from timelines.

    Args:
        concept_vectors: Concept id -> word-vector description ``v_c``.
        text_relation: The knob ``k`` in [0, 1] (see the module docstring).
        feature_dim: ``D`` (4096 like C3D fc6/fc7, 500 like the ActivityNet
            C3D-PCA release).
        latent_dim: ``h``.
        clip_stride: Seconds between clip starts (C3D, 16-frame clips at 24
            fps with 50% overlap: 8 / 24).
        clip_length: Seconds covered by one clip (16 / 24).
        signal_scale: ``g``, per-dimension scale of a concept signature.
        scene_scale: Per-dimension scale of a scene vector.
        appearance_scale: Per-dimension scale of the appearance vector.
        noise_scale: Per-dimension scale of the AR(1) noise.
        noise_rho: AR(1) correlation of consecutive clips.
        seed: Seed of every draw.
    """

    def __init__(self, concept_vectors: Dict[str, np.ndarray], text_relation: float = 0.7,
                 feature_dim: int = 4096, latent_dim: int = 256,
                 clip_stride: float = 8 / 24, clip_length: float = 16 / 24,
                 signal_scale: float = 0.7, scene_scale: float = 0.7,
                 appearance_scale: float = 1.0, noise_scale: float = 0.5,
                 noise_rho: float = 0.8, seed: int = 0) -> None:
        if not 0.0 <= text_relation <= 1.0:
            raise ValueError(f'text_relation must be in [0, 1], got {text_relation}')
        if clip_stride <= 0 or clip_length <= 0:
            raise ValueError('clip_stride and clip_length must be positive')
        self.params = dict(
            version=FORMAT_VERSION, text_relation=text_relation, feature_dim=feature_dim,
            latent_dim=latent_dim, clip_stride=clip_stride, clip_length=clip_length,
            signal_scale=signal_scale, scene_scale=scene_scale,
            appearance_scale=appearance_scale, noise_scale=noise_scale,
            noise_rho=noise_rho, seed=seed)
        rng = np.random.default_rng(seed)
        word_dim = len(next(iter(concept_vectors.values())))
        h = latent_dim
        self._text_map = rng.standard_normal((h, word_dim)) / np.sqrt(word_dim)  # W
        self._projection = (rng.standard_normal((h, feature_dim))
                            / np.sqrt(h)).astype(np.float32)  # P (transposed)
        k = text_relation
        self._concepts_sha1 = _concepts_sha1(concept_vectors)
        self.signatures = {}
        # Centre the descriptions over the concepts: W sees what tells one
        # concept from another, so the knob moves how much an action looks
        # like its words, not how alike all actions look (word vectors share
        # a large common direction).
        known = {c: v for c, v in concept_vectors.items() if np.any(v)}
        mean = np.mean([known[c] for c in sorted(known)], 0) if known else 0.0
        for c in concept_vectors:
            own = _unit(_key_rng(seed, 'concept', c).standard_normal(h))
            if c in known:  # a concept without known words looks arbitrary
                sig = k * _unit(self._text_map @ (known[c] - mean)) + np.sqrt(1 - k * k) * own
            else:
                sig = own
            self.signatures[c] = (signal_scale * np.sqrt(h) * sig).astype(np.float32)

    def num_clips(self, duration: float) -> int:
        """Clips of a video of ``duration`` seconds (at least 1)."""
        p = self.params
        return max(1, int(np.floor((duration - p['clip_length']) / p['clip_stride'] + 1e-9)) + 1)

    def occupancy(self, timeline: VideoTimeline) -> np.ndarray:
        """``T0 x E`` share of each clip covered by each event."""
        p = self.params
        starts = np.arange(self.num_clips(timeline.duration)) * p['clip_stride']
        ev = np.array([[e.start, e.end] for e in timeline.events]).reshape(-1, 2)
        cover = (np.minimum(starts[:, None] + p['clip_length'], ev[None, :, 1])
                 - np.maximum(starts[:, None], ev[None, :, 0]))
        return np.clip(cover / p['clip_length'], 0.0, 1.0)

    def simulate(self, timeline: VideoTimeline) -> np.ndarray:
        """Features of one video: ``T0 x D`` float32, non-negative."""
        p = self.params
        h, seed = p['latent_dim'], p['seed']
        rng = _key_rng(seed, 'video', timeline.vid)
        t0 = self.num_clips(timeline.duration)
        scene = _key_rng(seed, 'scene', timeline.scene).standard_normal(h)
        z = np.broadcast_to(rng.standard_normal(h) * p['appearance_scale']
                            + scene * p['scene_scale'], (t0, h)).copy()
        if timeline.events:
            sig = np.stack([self.signatures[e.concept] for e in timeline.events])
            z += self.occupancy(timeline) @ sig
        rho = p['noise_rho']
        eps = rng.standard_normal((t0, h))
        start = rho * rng.standard_normal((1, h))  # stationary first clip
        z += p['noise_scale'] * lfilter([np.sqrt(1 - rho * rho)], [1.0, -rho], eps,
                                        axis=0, zi=start)[0]
        return np.maximum(z.astype(np.float32) @ self._projection, 0.0)

    # ---------------------------------------------------------------- writing
    def manifest(self, num_videos: int, extra: Optional[dict] = None) -> dict:
        """The parameters written next to the output (with a digest of the
        concept vectors, which change with the word vectors)."""
        return dict(self.params, num_videos=num_videos,
                    concepts_sha1=self._concepts_sha1, **(extra or {}))

    def write(self, timelines: Sequence[VideoTimeline], output: str,
              extra: Optional[dict] = None) -> str:
        """Write the features of ``timelines`` to ``output``.

        ``*.hdf5`` / ``*.h5`` outputs get the flat layout ``h5[vid] -> T0 x D``;
        any other path is a folder of ``{vid}.npy``. ``<output>.json`` holds
        the parameters and digests of the concept vectors and timelines; an
        existing output whose manifest matches is kept as is.

        Returns:
            ``output``.
        """
        manifest = self.manifest(len(timelines), extra)
        manifest['timelines_sha1'] = _timelines_sha1(timelines)
        manifest_path = output.rstrip('/') + '.json'
        h5 = output.endswith(('.hdf5', '.h5'))
        try:
            with open(manifest_path, encoding='utf-8') as f:
                up_to_date = json.load(f) == manifest
        except (OSError, ValueError):
            up_to_date = False
        if up_to_date and (osp.isfile(output) if h5 else all(
                osp.isfile(osp.join(output, f'{tl.vid}.npy')) for tl in timelines)):
            print_log(f'[simulate] {output} is up to date (its manifest {manifest_path} '
                      'matches): kept', logger='current')
            return output
        if osp.exists(manifest_path):  # stale while the output is rewritten
            os.remove(manifest_path)
        os.makedirs(osp.dirname(osp.abspath(output)), exist_ok=True)
        print_log(f'[simulate] writing the {self.params["feature_dim"]}-d features of '
                  f'{len(timelines)} videos to {output}', logger='current')
        videos: Iterable[VideoTimeline] = track(timelines)
        if h5:
            def write_h5(tmp: str) -> None:
                import h5py
                with h5py.File(tmp, 'w') as f:
                    for tl in videos:
                        f.create_dataset(tl.vid, data=self.simulate(tl))
            atomic_write(output, write_h5)
        else:
            os.makedirs(output, exist_ok=True)
            for tl in videos:
                atomic_write(osp.join(output, f'{tl.vid}.npy'),
                             lambda tmp, x=self.simulate(tl): np.save(tmp, x))
        atomic_text(manifest_path, json.dumps(manifest, indent=1))
        print_log(f'[simulate] wrote {output} and its manifest {manifest_path}', logger='current')
        return output
