"""Feature reader that picks the layout from the path."""
import os.path as osp
from typing import Optional

from ...registry import DATA_SOURCES
from ...utils import resolve_path
from ..errors import FeatureError
from .array_dir_features import ArrayDirFeatures
from .base_reader import BaseFeatureReader
from .hdf5_features import HDF5Features


@DATA_SOURCES.register_module()
def VideoFeatures(path: str, data_root: Optional[str] = None,
                  key: Optional[str] = None,
                  feature_dim: Optional[int] = None) -> BaseFeatureReader:
    """Build the reader matching ``path``: a directory of ``.npy``/``.pt``/
    ``.npz`` files, or an HDF5 file (``.h5``, ``.hdf5``; flat or nested layout).

    Args:
        path: Feature file or directory.
        data_root: Root of the relative path.
        key: Nested HDF5 dataset name (see :class:`HDF5Features`), or the
            array of the ``.npz`` files of a directory (default
            ``'features'``).
        feature_dim: Expected ``D`` (``None``: auto-detect).
    """
    full = resolve_path(path, data_root)
    if osp.isdir(full):
        return ArrayDirFeatures(full, feature_dim=feature_dim,
                                npz_key='features' if key is None else key)
    if osp.splitext(full)[1].lower() in ('.h5', '.hdf5', '.hdf'):
        return HDF5Features(full, key=key, feature_dim=feature_dim)
    raise FeatureError(full, 'expected a directory of .npy/.pt/.npz files or an '
                       '.h5/.hdf5 file')
