"""Precomputed query (text) features: a folder of per-query ``.npz`` files."""
import os.path as osp
from typing import Optional

import numpy as np

from ...registry import DATA_SOURCES
from ...utils import resolve_path
from ..errors import FeatureError
from .base_reader import _FLOAT32_MAX

#: Rank of the array stored under each known key (other keys: 1 or 2).
KEY_RANKS = {'pooler_output': 1, 'last_hidden_state': 2}


def check_query_feature(array, path: str, query_id: str, rank: Optional[int] = None,
                        feature_dim: Optional[int] = None) -> np.ndarray:
    """Validate one query feature (``D`` or ``L x D``) and return it as float32.

    Raises:
        FeatureError: naming ``path`` and ``query_id`` when the array has
            another rank than ``rank`` (``None``: 1 or 2), an empty side,
            another last dimension than ``feature_dim``, a non-real dtype,
            NaN / Inf values or values beyond the float32 range.
    """
    array = np.asarray(array)
    ranks = (rank,) if rank is not None else (1, 2)
    shape = tuple(array.shape)
    if array.ndim not in ranks:
        expected = ' or '.join({1: 'rank 1 (D)', 2: 'rank 2 (L x D)'}[r] for r in ranks)
        raise FeatureError(path, f'query feature has shape {shape}, expected {expected}',
                           query_id)
    if 0 in shape:
        raise FeatureError(path, f'query feature has shape {shape}, expected no empty '
                           'side', query_id)
    if array.dtype.kind == 'c':
        raise FeatureError(path, f'query feature dtype {array.dtype} is complex, expected '
                           'real numbers (float or int)', query_id)
    if array.dtype.kind not in 'fiu':
        raise FeatureError(path, f'query feature dtype {array.dtype} is not numeric',
                           query_id)
    if feature_dim is not None and shape[-1] != feature_dim:
        raise FeatureError(path, f'query feature dimension {shape[-1]}, expected '
                           f'{feature_dim}', query_id)
    if array.dtype.kind == 'f':
        if not np.isfinite(array).all():
            raise FeatureError(path, 'query feature holds NaN or Inf values', query_id)
        if array.dtype.itemsize > 4 and np.abs(array).max() > _FLOAT32_MAX:
            raise FeatureError(path, 'query feature holds values beyond the float32 '
                               f'range (|x| > {_FLOAT32_MAX:.4g})', query_id)
    return array.astype(np.float32, copy=False)


@DATA_SOURCES.register_module()
class QueryFeatures:
    """Per-query features stored as ``{path}/{name_format.format(qid=...)}``.

    The moment_detr layout is ``qid{qid}.npz``, the lighthouse one
    ``{qid}.npz``; each archive holds ``pooler_output`` (``D``, one vector
    per sentence) and / or ``last_hidden_state`` (``L x D``, one per token);
    ``key`` picks one. Archives are read with ``numpy.load``
    (``allow_pickle=False``). Query ids are the annotation records'
    ``query_id`` (the ``qid`` of a jsonl file).

    Args:
        path: The directory, relative to ``data_root`` unless absolute.
        data_root: Root of the relative path.
        key: The array read from each archive.
        name_format: File name of a query, with a ``{qid}`` field.
        feature_dim: Expected ``D`` (``None``: taken from the first query
            read, then enforced).
    """

    def __init__(self, path: str, data_root: Optional[str] = None,
                 key: str = 'pooler_output', name_format: str = 'qid{qid}.npz',
                 feature_dim: Optional[int] = None) -> None:
        if '{qid}' not in name_format:
            raise ValueError(f"name_format must hold '{{qid}}', got {name_format!r}")
        self.path = resolve_path(path, data_root)
        self.key = key
        self.name_format = name_format
        self.feature_dim = feature_dim

    def file_of(self, query_id) -> str:
        """The file of ``query_id``."""
        name = self.name_format.format(qid=query_id)
        if osp.basename(name) != name or str(query_id) in ('', '.', '..'):
            raise FeatureError(self.path, f'query id {query_id!r} does not name a file '
                               'of this folder', str(query_id))
        return osp.join(self.path, name)

    def __contains__(self, query_id) -> bool:
        return osp.isfile(self.file_of(query_id))

    def __getitem__(self, query_id) -> np.ndarray:
        """The validated float32 feature of ``query_id``: ``(D,)`` or ``L x D``."""
        query_id = str(query_id)
        if not osp.isdir(self.path):
            raise FeatureError(self.path, 'query feature directory not found')
        file = self.file_of(query_id)
        if not osp.isfile(file):
            raise FeatureError(self.path, f'no query feature file {osp.basename(file)}',
                               query_id)
        try:
            archive = np.load(file, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise FeatureError(file, 'holds a single array, expected an .npz '
                                   f'archive with {self.key!r}', query_id)
            with archive:
                if self.key not in archive.files:
                    raise FeatureError(file, f'holds the arrays {sorted(archive.files)}, '
                                       f'expected {self.key!r} (set key)', query_id)
                array = archive[self.key]
        except FeatureError:
            raise
        except Exception as e:  # corrupt, truncated, pickled objects...
            raise FeatureError(file, f'cannot be read: {e}', query_id) from None
        array = check_query_feature(array, file, query_id, KEY_RANKS.get(self.key),
                                    self.feature_dim)
        if self.feature_dim is None:
            self.feature_dim = int(array.shape[-1])
        return array
