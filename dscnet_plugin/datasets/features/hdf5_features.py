"""HDF5 feature files: flat ``h5[vid]`` or nested ``h5[vid][key]``."""
import os
import os.path as osp
from typing import Optional

from ...registry import DATA_SOURCES
from ..errors import FeatureError
from .base_reader import BaseFeatureReader

_NESTED_KEYS = ('c3d_features', 'features', 'feature')
#: What h5py raises on a damaged file (a zeroed or truncated block, a broken link).
_H5_ERRORS = (OSError, RuntimeError, KeyError, ValueError, TypeError)


def _reason(error: Exception) -> str:
    """h5py's message (a ``KeyError``'s without the quotes ``str`` adds)."""
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])
    return str(error)


@DATA_SOURCES.register_module()
class HDF5Features(BaseFeatureReader):
    """Per-video features from one HDF5 file.

    Two layouts are read: flat, ``h5[video_id] -> (T, D)`` (as in 2D-TAN /
    VSLNet releases), and nested, ``h5[video_id][key] -> (T, D)`` (the
    ActivityNet C3D release, key ``c3d_features``). With ``key=None`` a
    nested group is read through its only dataset or one of
    ``c3d_features`` / ``features`` / ``feature``.

    The file is opened lazily, once per process, so the reader is safe to
    copy into dataloader workers.

    Args:
        path: The ``.h5`` / ``.hdf5`` file.
        data_root: Root of the relative path.
        key: Dataset name inside each video group (nested layout).
        feature_dim: Expected ``D`` (``None``: auto-detect).
    """

    def __init__(self, path: str, data_root: Optional[str] = None,
                 key: Optional[str] = None,
                 feature_dim: Optional[int] = None) -> None:
        super().__init__(path, data_root, feature_dim)
        self.key = key
        self._file = None
        self._pid = None

    @property
    def file(self):
        if self._file is None or self._pid != os.getpid():
            import h5py
            if not osp.isfile(self.path):
                raise FeatureError(self.path, 'feature file not found')
            try:
                self._file = h5py.File(self.path, 'r')
            except OSError as e:
                raise FeatureError(self.path, f'cannot open as HDF5: {e}') from None
            self._pid = os.getpid()
        return self._file

    def __contains__(self, video_id: str) -> bool:
        file = self.file
        try:
            return video_id in file
        except _H5_ERRORS as e:
            raise FeatureError(self.path, f'cannot be read: {_reason(e)}', video_id) from None

    def _read(self, video_id: str):
        if video_id not in self:
            raise FeatureError(self.path, 'video has no features in this file',
                               video_id)
        try:
            return self._dataset(video_id)[()]
        except FeatureError:
            raise
        except _H5_ERRORS as e:  # a corrupt or truncated file
            raise FeatureError(self.path, f'cannot be read: {_reason(e)}', video_id) from None

    def _dataset(self, video_id: str):
        import h5py
        item = self.file[video_id]
        if isinstance(item, h5py.Group):
            item = self._nested(item, video_id)
        if not isinstance(item, h5py.Dataset):
            raise FeatureError(self.path, f'holds a {type(item).__name__}, expected a '
                               '(T, D) dataset', video_id)
        return item

    def _nested(self, group, video_id: str):
        keys = list(group.keys())
        if self.key is not None:
            if self.key not in group:
                raise FeatureError(self.path, f'group has keys {keys}, expected '
                                   f'{self.key!r}', video_id)
            return group[self.key]
        if len(keys) == 1:
            return group[keys[0]]
        for k in _NESTED_KEYS:
            if k in group:
                return group[k]
        raise FeatureError(self.path, f'group has keys {keys}; set `key` to the '
                           'dataset holding the (T, D) features', video_id)

    def __getstate__(self):
        state = self.__dict__.copy()
        state['_file'] = None
        state['_pid'] = None
        return state
