"""Embedding matrix of a vocabulary, with defined out-of-vocabulary vectors."""
import zlib

import numpy as np
from mmengine.logging import print_log

from .vocabulary import Vocabulary
from .word_vectors import BaseWordVectors

#: Standard deviation of OOV vectors when no word at all was found.
DEFAULT_OOV_STD = 0.4


def oov_vector(word: str, dim: int, std: float) -> np.ndarray:
    """The vector of a word absent from the pre-trained vectors.

    It is drawn from ``N(0, std^2 I)`` with a generator seeded by the CRC-32
    of the word, so a word gets the same vector in every run, process and
    machine, and two different OOV words get different vectors.
    """
    rng = np.random.default_rng(zlib.crc32(word.encode('utf-8')))
    return (rng.standard_normal(dim) * std).astype(np.float32)


def build_embedding_matrix(vocab: Vocabulary, vectors: BaseWordVectors) -> np.ndarray:
    """``V x d_w`` matrix for ``vocab``.

    Row 0 (``<pad>``) is zero. Words found in ``vectors`` get their vector;
    every other word (``<unk>`` included) gets :func:`oov_vector` with the
    standard deviation of the found vectors (``DEFAULT_OOV_STD`` if none).
    The number of OOV words is logged.
    """
    mat, found = vectors.lookup(vocab.words)
    found[vocab.pad_index] = True
    mat[vocab.pad_index] = 0.0
    real = found.copy()
    real[vocab.pad_index] = False
    std = float(mat[real].std()) if real.any() else DEFAULT_OOV_STD
    missing = np.flatnonzero(~found)
    for i in missing:
        mat[i] = oov_vector(vocab.words[i], mat.shape[1], std)
    print_log(f'word vectors: {len(vocab) - len(missing)} of {len(vocab)} '
              f'vocabulary entries found, {len(missing)} get OOV vectors',
              logger='current')
    return mat
