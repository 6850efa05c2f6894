"""Deterministic synthetic grounding dataset written in the real formats.

Each video is a sequence of clips. A few (verb, object) actions happen in
non-overlapping intervals placed at random; each interval is described by a
sentence naming its verb and object. A clip's feature mixes a per-video
appearance vector, the visual signature of the action active at that clip
and temporally correlated noise, passed through a fixed random projection
and a ReLU (non-negative, like post-ReLU C3D activations). An action's
signature is a fixed random linear map of the word vectors of its verb and
object (weight ``semantic_strength``) plus an action-specific random vector
(the rest of the unit variance): text and video are related only through
the words, as in real data.

Files written to ``data_root`` (read back by the ordinary loaders):
``charades_sta_{train,test}.txt`` (Charades-STA lines), ``durations.json``,
``features.hdf5`` (flat layout) or ``features/{vid}.npy``,
``glove_demo_{d}d.txt`` (GloVe text format) and ``manifest.json``.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np
from mmengine.logging import print_log

from ...registry import DATA_SOURCES
from ...utils import atomic_text, atomic_write, track
from .vocabulary import FUNCTION_WORDS, OBJECTS, TEMPLATES, VERBS

FORMAT_VERSION = 1


@DATA_SOURCES.register_module()
class SyntheticGroundingGenerator:
    """Writes (once) a small synthetic Charades-STA-like dataset.

    Args:
        data_root: Output folder.
        seed: Seed of every random draw; same seed and sizes -> same files.
        num_train_videos: Videos of the training split.
        num_test_videos: Videos of the test split.
        clips_range: Inclusive range of clips per video (``T0``).
        clip_seconds: Seconds between clip starts.
        actions_range: Inclusive range of actions per video.
        action_weight: Dirichlet weight of an action's length relative to a
            gap between actions (1.0): higher gives longer moments.
        num_actions: Distinct (verb, object) actions.
        feature_dim: ``D`` of the written features.
        latent_dim: Width of the latent space before the projection.
        word_dim: Dimension of the written word vectors.
        semantic_strength: 0..1, share of an action's signature that comes
            from its words (0: no text-video relation).
        action_zipf: Exponent ``s`` of the actions' frequencies: the action
            of rank ``r`` (a fixed random order) is drawn with weight
            ``r^-s``, as action classes are in Charades (0: uniform).
        signal_scale: Norm of an action signature relative to
            ``sqrt(latent_dim)``.
        appearance_scale: Scale of the per-video appearance vector.
        noise_scale: Scale of the AR(1) clip noise.
        noise_rho: AR(1) correlation of consecutive clips.
        feature_format: ``'hdf5'`` (flat ``h5[vid]``) or ``'npy'`` (folder).
    """

    def __init__(self, data_root: str, seed: int = 0,
                 num_train_videos: int = 240, num_test_videos: int = 80,
                 clips_range: Tuple[int, int] = (60, 120),
                 clip_seconds: float = 1 / 3,
                 actions_range: Tuple[int, int] = (2, 4),
                 action_weight: float = 3.0, num_actions: int = 24, feature_dim: int = 128,
                 latent_dim: int = 64, word_dim: int = 50,
                 semantic_strength: float = 1.0, action_zipf: float = 0.0,
                 signal_scale: float = 0.5,
                 appearance_scale: float = 1.0, noise_scale: float = 0.5,
                 noise_rho: float = 0.8, feature_format: str = 'hdf5') -> None:
        if feature_format not in ('hdf5', 'npy'):
            raise ValueError("feature_format must be 'hdf5' or 'npy', got "
                             f'{feature_format!r}')
        if not 0 < num_actions <= len(VERBS) * len(OBJECTS):
            raise ValueError(f'num_actions must be in 1..{len(VERBS) * len(OBJECTS)}')
        if not 0.0 <= semantic_strength <= 1.0:
            raise ValueError('semantic_strength must be in [0, 1]')
        if action_zipf < 0:
            raise ValueError(f'action_zipf must be >= 0, got {action_zipf}')
        self.data_root = data_root
        self.params = dict(
            version=FORMAT_VERSION, seed=seed, num_train_videos=num_train_videos,
            num_test_videos=num_test_videos, clips_range=list(clips_range),
            clip_seconds=clip_seconds, actions_range=list(actions_range),
            action_weight=action_weight,
            num_actions=num_actions, feature_dim=feature_dim,
            latent_dim=latent_dim, word_dim=word_dim,
            semantic_strength=semantic_strength, action_zipf=action_zipf,
            signal_scale=signal_scale,
            appearance_scale=appearance_scale, noise_scale=noise_scale,
            noise_rho=noise_rho, feature_format=feature_format)

    # ------------------------------------------------------------------ paths
    @property
    def word_vector_file(self) -> str:
        """File name of the word vectors (GloVe text format)."""
        return f'glove_demo_{self.params["word_dim"]}d.txt'

    @property
    def feature_path(self) -> str:
        """File or folder name of the features."""
        return 'features.hdf5' if self.params['feature_format'] == 'hdf5' else 'features'

    def _manifest_path(self) -> str:
        return osp.join(self.data_root, 'manifest.json')

    def is_ready(self) -> bool:
        """Whether ``data_root`` already holds this exact dataset."""
        try:
            with open(self._manifest_path(), encoding='utf-8') as f:
                return json.load(f) == self.params
        except (OSError, ValueError):
            return False

    def prepare(self) -> str:
        """Generate the files unless they are there already; returns the root."""
        if self.is_ready():
            return self.data_root
        os.makedirs(self.data_root, exist_ok=True)
        data = self.generate()
        self._write(data)
        print_log(f'synthetic grounding data written to {self.data_root} '
                  f'({len(data["train"])} train / {len(data["test"])} test '
                  'moments)', logger='current')
        return self.data_root

    # ------------------------------------------------------------- generation
    def generate(self) -> Dict:
        """Draw the whole dataset in memory.

        Returns:
            Dict with ``words`` (word -> vector), ``features`` (vid -> ``T0 x
            D``), ``durations`` (vid -> s), ``train`` / ``test`` (lists of
            ``(vid, start, end, sentence)``) and ``actions`` (vid -> list of
            action indices, in interval order; the generator's internals,
            never written to disk).
        """
        p = self.params
        rng = np.random.default_rng(p['seed'])
        words = self._word_vectors(rng)
        actions = self._actions(rng)
        signature = self._signatures(rng, words, actions)
        projection = (rng.standard_normal((p['latent_dim'], p['feature_dim']))
                      / np.sqrt(p['latent_dim']))
        out = dict(words=words, features={}, durations={}, train=[], test=[],
                   actions={})
        n_train = p['num_train_videos']
        for v in track(range(n_train + p['num_test_videos'])):
            split = 'train' if v < n_train else 'test'
            vid = f'{"TR" if split == "train" else "TE"}{v:05d}'
            feats, duration, moments = self._video(rng, signature, projection)
            out['features'][vid] = feats
            out['durations'][vid] = duration
            out['actions'][vid] = [a for _, _, a in moments]
            for start, end, a in moments:
                out[split].append((vid, start, end, self._sentence(rng, actions[a])))
        return out

    def _word_vectors(self, rng) -> Dict[str, np.ndarray]:
        dim = self.params['word_dim']
        words = {}
        for forms in VERBS:
            base = rng.standard_normal(dim) * 0.4
            for form in forms:  # inflections lie close to their base form
                words.setdefault(form, base + rng.standard_normal(dim) * 0.1)
        for w in OBJECTS + FUNCTION_WORDS:
            words[w] = rng.standard_normal(dim) * 0.4
        return {w: v.astype(np.float32) for w, v in words.items()}

    def _actions(self, rng) -> List[Tuple[int, int]]:
        pairs = [(v, o) for v in range(len(VERBS)) for o in range(len(OBJECTS))]
        chosen = rng.choice(len(pairs), self.params['num_actions'], replace=False)
        return [pairs[i] for i in sorted(chosen)]

    def _signatures(self, rng, words, actions) -> np.ndarray:
        """``num_actions x latent_dim`` visual signatures of the actions."""
        p = self.params
        mix = (rng.standard_normal((p['latent_dim'], 2 * p['word_dim']))
               / np.sqrt(2 * p['word_dim']))
        s = p['semantic_strength']
        sig = []
        for v, o in actions:
            text = mix @ np.concatenate([words[VERBS[v][0]], words[OBJECTS[o]]])
            own = rng.standard_normal(p['latent_dim'])
            sig.append(s * text / np.linalg.norm(text)
                       + np.sqrt(1 - s * s) * own / np.linalg.norm(own))
        return np.stack(sig) * np.sqrt(p['latent_dim']) * p['signal_scale']

    def _video(self, rng, signature, projection):
        p = self.params
        t0 = int(rng.integers(p['clips_range'][0], p['clips_range'][1] + 1))
        k = int(rng.integers(p['actions_range'][0], p['actions_range'][1] + 1))
        chosen = rng.choice(len(signature), k, replace=False, p=self._action_weights())
        # k non-overlapping intervals: the clips are split into k + 1 gaps
        # and k action lengths by a Dirichlet draw.
        weights = np.ones(2 * k + 1)
        weights[1::2] = p['action_weight']
        lengths = np.round(rng.dirichlet(weights) * t0).astype(int)
        eps = rng.standard_normal((t0, p['latent_dim']))
        rho = p['noise_rho']
        noise = np.empty_like(eps)
        noise[0] = eps[0]
        for t in range(1, t0):
            noise[t] = rho * noise[t - 1] + np.sqrt(1 - rho * rho) * eps[t]
        latent = (rng.standard_normal(p['latent_dim']) * p['appearance_scale']
                  + noise * p['noise_scale'])
        moments, cursor = [], 0
        for i in range(k):
            start = cursor + lengths[2 * i]
            end = min(start + lengths[2 * i + 1], t0)
            cursor = start + lengths[2 * i + 1]
            if end - start < 2:
                continue
            latent[start:end] += signature[chosen[i]]
            moments.append((start, end, int(chosen[i])))
        feats = np.maximum(latent @ projection, 0).astype(np.float32)
        sec = p['clip_seconds']
        duration = round(t0 * sec, 2)
        last = np.floor(duration * 10) / 10  # latest end writable with one decimal
        moments = [(round(s * sec, 1), min(round(e * sec, 1), last), a)
                   for s, e, a in moments]
        return feats, duration, moments

    def _action_weights(self):
        """Drawing probabilities of the actions (None: uniform)."""
        p = self.params
        if p['action_zipf'] == 0:
            return None
        # a rank order of its own generator: the other draws stay the same
        rank = np.random.default_rng([p['seed'], 1]).permutation(p['num_actions']) + 1
        w = rank.astype(float) ** -p['action_zipf']
        return w / w.sum()

    @staticmethod
    def _sentence(rng, action: Tuple[int, int]) -> str:
        verb, obj = VERBS[action[0]], OBJECTS[action[1]]
        template = TEMPLATES[int(rng.integers(len(TEMPLATES)))]
        return template.format(v3=verb[1], ving=verb[2], vpast=verb[3], obj=obj)

    # ---------------------------------------------------------------- writing
    def _write(self, data: Dict) -> None:
        root = self.data_root
        for split in ('train', 'test'):
            atomic_text(osp.join(root, f'charades_sta_{split}.txt'),
                         ''.join(f'{vid} {s:.1f} {e:.1f}##{sent}\n'
                                 for vid, s, e, sent in data[split]))
        atomic_text(osp.join(root, 'durations.json'), json.dumps(data['durations']))
        atomic_text(osp.join(root, self.word_vector_file),
                     ''.join(w + ' ' + ' '.join(f'{x:.5f}' for x in vec) + '\n'
                             for w, vec in data['words'].items()))
        if self.params['feature_format'] == 'hdf5':
            def write_h5(tmp):
                import h5py
                with h5py.File(tmp, 'w') as f:
                    for vid, feats in data['features'].items():
                        f.create_dataset(vid, data=feats)
            atomic_write(osp.join(root, 'features.hdf5'), write_h5)
        else:
            folder = osp.join(root, 'features')
            os.makedirs(folder, exist_ok=True)
            for vid, feats in data['features'].items():
                atomic_write(osp.join(folder, f'{vid}.npy'),
                              lambda tmp, x=feats: np.save(tmp, x))
        # the manifest comes last: its presence means every file is complete
        atomic_text(self._manifest_path(), json.dumps(self.params))
