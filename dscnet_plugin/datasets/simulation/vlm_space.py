"""A simulated CLIP-like shared space: a random text tower and frame features.

Generative model (all draws fixed by ``seed``; ``D = 512``)::

    tower(x)  = unit(W2 gelu(g1 W1 x + b1))                   fixed random 2-layer MLP
    q         = tower(mean unit GloVe of the query's content words)   query feature
    sig_c     = unit(tower(text_c) - (tower(text_c) . c_txt) c_txt + class_noise * u_c)
                                                               visual signature of concept c
    z_t       = gap * c_img + alignment * signal * sum_e o_e(t) sig_{c(e)}
                + appearance * a_video + scene * s_scene + noise * n_t
                + semantic * (b_video + m_t) W_sem
    x_t       = unit(z_t)                                      frame feature (like CLIP)

* ``text_c``: the words describing concept ``c`` (a Charades class name, an
  ActivityNet caption, a QVHighlights window's query);
* ``c_txt``: the text cone's centre (the unit mean tower image of
  :data:`CONE_WORDS`); ``c_img``: the image cone's centre, a fixed unit
  vector with cosine ``gap_cosine`` to ``c_txt``. The modality gap moves a
  concept's text image out of the text cone (its ``c_txt`` component is
  removed) into the image cone (every frame holds ``gap * c_img``), as in
  CLIP, where image and text embeddings occupy two separate cones;
* ``o_e(t)``: the share of clip ``t`` covered by event ``e`` of the timeline;
* ``u_c``: concept-specific noise (what the words do not say of the look);
* ``a_video``, ``s_scene``: per-video appearance and per-scene vectors;
  ``n_t``: AR(1) noise (correlation ``noise_rho`` between clips); each has
  per-dimension standard deviation ``1 / sqrt(D)`` before its scale;
* ``W_sem``: the (text-cone-free) tower images of :data:`CONE_WORDS`, a
  ``K x D`` semantic basis; ``b_video`` (static, per video) and ``m_t``
  (AR(1) over clips) are ``K`` Gaussian coefficients scaled by
  ``1 / sqrt(K)``: the things a frame shows besides the action (objects in
  the room, a passing gesture), which move the cosine to every query —
  real CLIP noise is not isotropic, it lives in semantic directions;
* ``alignment`` in ``[0, 1]``, the knob: at 0 no frame carries anything of
  what happens (every method is at chance / priors), at 1 an action's frames
  are dominated by its signature.
"""
import zlib
from typing import Dict, List, Sequence, Tuple

import numpy as np
from mmengine.logging import print_log
from scipy.signal import lfilter

from ..text import tokenize
from ..text.word_vectors import BaseWordVectors
from .concept_vectors import STOP_WORDS
from .timelines import VideoTimeline

#: Default knob, fixed from CLIP ViT-B/32 similarity statistics before any
#: model ran on these features (see docs/benchmarks.md, "Simulated VLM
#: features").
DEFAULT_ALIGNMENT = 0.5

#: Common words whose tower images locate the text cone's centre (fixed, so
#: that the centre does not depend on the dataset or on a subset of it).
CONE_WORDS = tuple('''person man woman child people dog table chair door window room
kitchen house car street water food book phone cup bag shirt bed floor wall light
walk run sit stand open close hold take put eat drink play talk look watch read
write cook clean wash throw jump ride dance sing laugh smile turn pour cut wear
small large white black red green old young'''.split())


def key_rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator seeded by ``seed`` and string keys (a subset of videos
    gets the same draws as the whole set)."""
    return np.random.default_rng([seed] + [zlib.crc32(k.encode()) for k in keys])


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` (``... x D``) scaled to unit L2 norm (zero rows stay 0)."""
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norm, 1e-12)


def content_words(text: str) -> List[str]:
    """Lowercase tokens of ``text`` without :data:`STOP_WORDS`."""
    return [w for w in tokenize(text) if w not in STOP_WORDS]


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))


class TextTower:
    """A fixed random non-linear map of mean word vectors to ``D``, no training.

    Args:
        word_dim: Dimension ``d`` of the word vectors.
        dim: Output dimension ``D``.
        hidden_dim: Hidden width of the 2-layer MLP.
        input_gain: ``g1``, scale of the first layer (unit inputs).
        seed: Seed of the weights.
    """

    def __init__(self, word_dim: int, dim: int = 512, hidden_dim: int = 1024,
                 input_gain: float = 2.0, seed: int = 0) -> None:
        rng = key_rng(seed, 'text-tower')
        self.w1 = (input_gain * rng.standard_normal((word_dim, hidden_dim))).astype(np.float32)
        self.b1 = (0.5 * rng.standard_normal(hidden_dim)).astype(np.float32)
        self.w2 = (rng.standard_normal((hidden_dim, dim)) / np.sqrt(hidden_dim)).astype(np.float32)
        self.dim = dim

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """``N x d`` mean word vectors -> ``N x D`` unit rows (float32)."""
        h = _gelu(np.asarray(x, np.float32) @ self.w1 + self.b1)
        return unit_rows(h @ self.w2).astype(np.float32)

    def encode(self, texts: Sequence[str], word_vectors: BaseWordVectors
               ) -> Tuple[np.ndarray, List[np.ndarray], int]:
        """Tower images of ``texts``.

        A text's input is the unit mean of its known content words' unit
        word vectors; a text without any gets the tower's image of ``0``
        (one row of ``last_hidden_state``).

        Returns:
            ``(pooled, tokens, empty)``: ``N x D`` images of the texts,
            per text an ``L x D`` array of its content words' images (one
            row per known content word, in order), and how many texts had
            no known content word.
        """
        words = [content_words(t) for t in texts]
        vocab = sorted({w for ws in words for w in ws})
        table = np.zeros((len(vocab), self.w1.shape[0]), np.float32)
        found = np.zeros(len(vocab), bool)
        if vocab:
            table, found = word_vectors.lookup(vocab)
            table = unit_rows(np.asarray(table, np.float32))
        index = {w: i for i, (w, ok) in enumerate(zip(vocab, found)) if ok}
        ids = [[index[w] for w in ws if w in index] for ws in words]
        lengths = np.array([len(i) for i in ids], np.int64)
        flat = np.fromiter((i for row in ids for i in row), np.int64, int(lengths.sum()))
        sums = np.zeros((len(texts), table.shape[1]), np.float32)
        np.add.at(sums, np.repeat(np.arange(len(texts)), lengths), table[flat])
        pooled = self(unit_rows(sums))
        word_images = self(table) if len(table) else np.zeros((0, self.dim), np.float32)
        empty_row = self(np.zeros((1, table.shape[1]), np.float32))
        tokens = [word_images[row] if row else empty_row for row in ids]
        return pooled, tokens, int((lengths == 0).sum())


class VLMSpace:
    """Query and frame features in one simulated shared space.

    Args:
        word_vectors: GloVe (any :class:`BaseWordVectors`).
        alignment: The knob in ``[0, 1]`` (see the module docstring).
        dim: ``D``.
        gap: Weight of the image-cone centre ``c_img`` in every frame.
        gap_cosine: Cosine between ``c_img`` and the text cone's centre.
        signal: Weight of an action's signature at ``alignment = 1``.
        class_noise: Weight of ``u_c`` in a signature (before its unit norm).
        appearance: Weight of the per-video appearance vector.
        scene: Weight of the per-scene vector.
        noise: Weight of the AR(1) noise.
        noise_rho: AR(1) correlation of consecutive clips.
        semantic: Weight of the semantic nuisance (``W_sem`` terms).
        seed: Seed of every draw.
    """

    def __init__(self, word_vectors: BaseWordVectors, alignment: float = DEFAULT_ALIGNMENT,
                 dim: int = 512, gap: float = 1.5, gap_cosine: float = 0.45,
                 signal: float = 2.0, class_noise: float = 0.5, appearance: float = 0.9,
                 scene: float = 0.5, noise: float = 0.6, noise_rho: float = 0.9,
                 semantic: float = 1.5, seed: int = 0) -> None:
        if not 0.0 <= alignment <= 1.0:
            raise ValueError(f'alignment must be in [0, 1], got {alignment}')
        if not -1.0 <= gap_cosine <= 1.0:
            raise ValueError(f'gap_cosine must be in [-1, 1], got {gap_cosine}')
        if not 0.0 <= noise_rho < 1.0:
            raise ValueError(f'noise_rho must be in [0, 1), got {noise_rho}')
        self.params = dict(alignment=alignment, dim=dim, gap=gap, gap_cosine=gap_cosine,
                           signal=signal, class_noise=class_noise, appearance=appearance,
                           scene=scene, noise=noise, noise_rho=noise_rho,
                           semantic=semantic, seed=seed)
        self.word_vectors = word_vectors
        word_dim = word_vectors.lookup(['the'])[0].shape[1]
        self.tower = TextTower(word_dim, dim, seed=seed)
        cone, _, _ = self.tower.encode(CONE_WORDS, word_vectors)
        text_centre = unit_rows(cone.mean(0)).astype(np.float32)
        self.text_centre = text_centre
        basis = cone - (cone @ text_centre)[:, None] * text_centre
        self.semantic_basis = (unit_rows(basis) / np.sqrt(len(basis))).astype(np.float32)
        r = key_rng(seed, 'image-cone').standard_normal(dim)
        r = unit_rows(r - (r @ text_centre) * text_centre)
        self.image_centre = (gap_cosine * text_centre
                             + np.sqrt(1 - gap_cosine ** 2) * r).astype(np.float32)
        self.signatures: Dict[str, np.ndarray] = {}

    # ------------------------------------------------------------- text side
    def encode_queries(self, texts: Sequence[str]) -> Tuple[np.ndarray, List[np.ndarray]]:
        """``(N x D pooler_output, [L x D last_hidden_state])`` of queries."""
        pooled, tokens, empty = self.tower.encode(texts, self.word_vectors)
        if empty:
            print_log(f'[simulate-vlm] {empty} of {len(texts)} queries have no known '
                      'content word: they get the tower image of the empty text',
                      logger='current')
        return pooled, tokens

    def add_concepts(self, texts: Dict[str, str]) -> None:
        """Draw the visual signatures of concepts ``{concept id: its words}``."""
        keys = list(texts)
        images, _, empty = self.tower.encode([texts[k] for k in keys], self.word_vectors)
        if empty:
            print_log(f'[simulate-vlm] {empty} of {len(keys)} concepts have no known '
                      'content word: their signature is the empty text\'s image plus '
                      'their own noise', logger='current')
        p = self.params
        images = images - (images @ self.text_centre)[:, None] * self.text_centre
        for key, image in zip(keys, images):
            own = unit_rows(key_rng(p['seed'], 'concept', key).standard_normal(p['dim']))
            self.signatures[key] = unit_rows(image + p['class_noise'] * own).astype(np.float32)

    # ------------------------------------------------------------ video side
    @staticmethod
    def num_clips(duration: float, clip_seconds: float) -> int:
        """``ceil(duration / clip_seconds)`` (at least 1)."""
        return max(1, int(np.ceil(duration / clip_seconds - 1e-9)))

    def occupancy(self, timeline: VideoTimeline, clip_seconds: float) -> np.ndarray:
        """``T x E`` share of each clip ``[t c, (t + 1) c]`` covered by each event."""
        starts = np.arange(self.num_clips(timeline.duration, clip_seconds)) * clip_seconds
        ev = np.array([[e.start, e.end] for e in timeline.events], np.float64).reshape(-1, 2)
        cover = (np.minimum(starts[:, None] + clip_seconds, ev[None, :, 1])
                 - np.maximum(starts[:, None], ev[None, :, 0]))
        return np.clip(cover / clip_seconds, 0.0, 1.0)

    def frames(self, timeline: VideoTimeline, clip_seconds: float = 1.0) -> np.ndarray:
        """Frame features of one video: ``T x D`` float32, unit rows.

        Raises:
            KeyError: an event's concept has no signature (:meth:`add_concepts`).
        """
        p = self.params
        d, seed = p['dim'], p['seed']
        t = self.num_clips(timeline.duration, clip_seconds)
        rng = key_rng(seed, 'video', timeline.vid)
        scale = 1.0 / np.sqrt(d)
        static = (p['gap'] * self.image_centre
                  + p['appearance'] * scale * rng.standard_normal(d)
                  + p['scene'] * scale * key_rng(seed, 'scene', timeline.scene).standard_normal(d))
        rho, k = p['noise_rho'], len(self.semantic_basis)
        eps = rng.standard_normal((t, d + k))
        start = rho * rng.standard_normal((1, d + k))  # stationary first clip
        ar = lfilter([np.sqrt(1 - rho * rho)], [1.0, -rho], eps, axis=0, zi=start)[0]
        sem = (rng.standard_normal(k)[None, :] + ar[:, d:]) @ self.semantic_basis
        z = static[None, :] + (p['noise'] * scale) * ar[:, :d] + p['semantic'] * sem
        if timeline.events and p['alignment'] > 0:
            sig = np.stack([self.signatures[e.concept] for e in timeline.events])
            z += (p['alignment'] * p['signal']) * (self.occupancy(timeline, clip_seconds) @ sig)
        return unit_rows(z).astype(np.float32)
