"""Word-vector descriptions of the simulated concepts.

The simulator relates text and video only through these vectors: a
Charades action is described by the word vectors of its verb and object
class names, an ActivityNet event by the words of its caption.
"""
from typing import Dict, Sequence, Tuple

import numpy as np

from ..text import tokenize
from ..text.stop_words import STOP_WORDS
from ..text.word_vectors import BaseWordVectors


def _unit(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.where(norm > 0, x / np.maximum(norm, 1e-12), 0.0)


def phrase_vector(phrase: str, word_vectors: BaseWordVectors) -> np.ndarray:
    """Unit mean vector of the words of ``phrase`` (``'cup/glass/bottle'``
    averages three words); zero when none is known."""
    words = tokenize(phrase)
    if not words:
        return np.zeros(word_vectors.lookup(['the'])[0].shape[1], np.float32)
    vecs, found = word_vectors.lookup(words)
    if not found.any():
        return np.zeros(vecs.shape[1], np.float32)
    return _unit(_unit(vecs[found]).mean(0)).astype(np.float32)


def charades_concept_vectors(concepts: Dict[str, Tuple[str, str]],
                             word_vectors: BaseWordVectors) -> Dict[str, np.ndarray]:
    """``[verb ; object]`` vectors (``2d``) of the Charades action classes;
    the object half is zero for classes without an object."""
    return {c: np.concatenate([phrase_vector(v, word_vectors),
                               phrase_vector(o, word_vectors)])
            for c, (v, o) in concepts.items()}


def caption_concept_vectors(sentences: Dict[str, str],
                            word_vectors: BaseWordVectors) -> Dict[str, np.ndarray]:
    """Unit mean vectors (``d``) of the content words of captions."""
    keys = list(sentences)
    tokens = [[w for w in tokenize(sentences[k]) if w not in STOP_WORDS] for k in keys]
    vocab = sorted({w for ws in tokens for w in ws})
    vecs, found = word_vectors.lookup(vocab) if vocab else (np.zeros((0, 1)), [])
    dim = vecs.shape[1] if vocab else word_vectors.lookup(['the'])[0].shape[1]
    table = {w: _unit(v) for w, v, ok in zip(vocab, vecs, found) if ok}
    out = {}
    for k, ws in zip(keys, tokens):
        rows = [table[w] for w in ws if w in table]
        out[k] = (_unit(np.mean(rows, 0)) if rows else np.zeros(dim)).astype(np.float32)
    return out


def stack_concepts(vectors: Dict[str, np.ndarray],
                   order: Sequence[str]) -> np.ndarray:
    """``len(order) x d`` matrix of the vectors in ``order``."""
    return np.stack([vectors[k] for k in order]).astype(np.float32)
