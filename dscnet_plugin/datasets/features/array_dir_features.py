"""A directory of per-video ``.npy``, ``.pt`` or ``.npz`` feature files."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch

from ...registry import DATA_SOURCES
from ...utils.safe_load import safe_torch_load
from ..errors import FeatureError
from .base_reader import BaseFeatureReader, tensor_to_array


@DATA_SOURCES.register_module()
class ArrayDirFeatures(BaseFeatureReader):
    """Features stored as ``{path}/{video_id}{suffix}``, one ``(T, D)`` array each.

    ``.npy`` files are read with ``numpy.load`` (no pickles); ``.npz``
    archives (the moment_detr / lighthouse CLIP layout) likewise, through
    their ``npz_key`` array; ``.pt`` files with
    :func:`~dscnet_plugin.utils.safe_torch_load` (weights only; a file
    holding code is refused) and must hold a tensor.

    Args:
        path: The directory.
        data_root: Root of the relative path.
        suffixes: File suffixes tried in order.
        feature_dim: Expected ``D`` (``None``: auto-detect).
        npz_key: The array of an ``.npz`` file holding the ``T x D`` features.
    """

    def __init__(self, path: str, data_root: Optional[str] = None,
                 suffixes: Sequence[str] = ('.npy', '.pt', '.npz'),
                 feature_dim: Optional[int] = None,
                 npz_key: str = 'features') -> None:
        super().__init__(path, data_root, feature_dim)
        self.suffixes = tuple(suffixes)
        self.npz_key = npz_key

    def _file_of(self, video_id: str) -> Optional[str]:
        for suffix in self.suffixes:
            candidate = osp.join(self.path, video_id + suffix)
            if osp.isfile(candidate):
                return candidate
        return None

    def source_of(self, video_id: str) -> str:
        return self._file_of(video_id) or self.path

    def __contains__(self, video_id: str) -> bool:
        return self._file_of(video_id) is not None

    def _read(self, video_id: str):
        if not osp.isdir(self.path):
            raise FeatureError(self.path, 'feature directory not found')
        file = self._file_of(video_id)
        if file is None:
            raise FeatureError(self.path, 'no feature file '
                               f'{video_id}{{{",".join(self.suffixes)}}}', video_id)
        try:
            if file.endswith('.pt'):
                value = safe_torch_load(file, 'feature file', error=FeatureError,
                                        where=video_id)
                if not isinstance(value, torch.Tensor):
                    raise FeatureError(file, f'holds a {type(value).__name__}, '
                                       'expected a (T, D) tensor', video_id)
                return tensor_to_array(value)
            if file.endswith('.npz'):
                return self._read_npz(file, video_id)
            return np.load(file, allow_pickle=False)
        except FeatureError:
            raise
        except Exception as e:  # corrupt or unreadable file
            raise FeatureError(file, f'cannot be read: {e}', video_id) from None

    def _read_npz(self, file: str, video_id: str) -> np.ndarray:
        archive = np.load(file, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise FeatureError(file, f'holds a single array, expected an .npz archive with '
                               f'{self.npz_key!r}', video_id)
        with archive:
            if self.npz_key not in archive.files:
                raise FeatureError(file, f'holds the arrays {sorted(archive.files)}, '
                                   f'expected {self.npz_key!r} (set npz_key)', video_id)
            return archive[self.npz_key]
