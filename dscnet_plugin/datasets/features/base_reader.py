"""Base class of video feature readers and the checks they share."""
from abc import ABCMeta, abstractmethod
from typing import Optional

import numpy as np

from ...utils import resolve_path
from ..errors import FeatureError


#: Largest magnitude a float32 holds; wider floats beyond it are refused.
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_feature(array, path: str, video_id: str,
                  feature_dim: Optional[int] = None) -> np.ndarray:
    """Validate one ``T x D`` feature sequence and return it as float32.

    Real numbers only: float (any width) and integer arrays are converted
    to float32; complex, boolean, string, object and other dtypes are
    refused by name (numpy would otherwise drop an imaginary part with only
    a warning).

    Raises:
        FeatureError: naming ``path`` and ``video_id`` when the array is not
            2-D, is empty (``T == 0``), has another dimension than
            ``feature_dim``, has a non-real dtype, holds NaN / Inf values, or
            values beyond the float32 range.
    """
    array = np.asarray(array)
    if array.ndim != 2:
        raise FeatureError(path, f'feature has shape {tuple(array.shape)}, '
                           'expected rank 2 (T x D)', video_id)
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise FeatureError(path, f'feature has shape {tuple(array.shape)}, '
                           'expected at least one frame and one channel', video_id)
    if feature_dim is not None and array.shape[1] != feature_dim:
        raise FeatureError(path, f'feature dimension {array.shape[1]}, expected '
                           f'{feature_dim}', video_id)
    if array.dtype.kind == 'c':
        raise FeatureError(path, f'feature dtype {array.dtype} is complex, expected '
                           'real numbers (float or int)', video_id)
    if array.dtype.kind not in 'fiu':
        raise FeatureError(path, f'feature dtype {array.dtype} is not numeric', video_id)
    if array.dtype.kind == 'f':
        finite = np.isfinite(array)
        if not finite.all():
            bad = int((~finite).any(axis=1).sum())
            raise FeatureError(path, f'{bad} of {array.shape[0]} frames hold NaN '
                               'or Inf values', video_id)
        if array.dtype.itemsize > 4 and np.abs(array).max() > _FLOAT32_MAX:
            bad = int((np.abs(array) > _FLOAT32_MAX).any(axis=1).sum())
            raise FeatureError(path, f'{bad} of {array.shape[0]} frames hold values '
                               f'beyond the float32 range (|x| > {_FLOAT32_MAX:.4g})',
                               video_id)
    return array.astype(np.float32, copy=False)


def tensor_to_array(value) -> np.ndarray:
    """A CPU tensor as a numpy array of its own dtype (so that
    :func:`check_feature` judges it); float types numpy lacks (bfloat16,
    float8) go through float32."""
    value = value.detach()
    try:
        return value.numpy()
    except TypeError:
        if value.is_floating_point():
            return value.float().numpy()
        raise


class BaseFeatureReader(metaclass=ABCMeta):
    """Reads ``T x D`` per-video feature sequences.

    Args:
        path: Feature file or directory, relative to ``data_root`` unless
            absolute.
        data_root: Root the relative path is joined to.
        feature_dim: Expected ``D``; ``None`` auto-detects it from the first
            video read and then enforces it for the others.
    """

    def __init__(self, path: str, data_root: Optional[str] = None,
                 feature_dim: Optional[int] = None) -> None:
        self.path = resolve_path(path, data_root)
        self.feature_dim = feature_dim

    def __getitem__(self, video_id: str) -> np.ndarray:
        """Return the validated ``T x D`` float32 features of ``video_id``."""
        array = check_feature(self._read(video_id), self.source_of(video_id),
                              video_id, self.feature_dim)
        if self.feature_dim is None:
            self.feature_dim = int(array.shape[1])
        return array

    def detect_dim(self, video_id: str) -> int:
        """Read ``video_id`` and return (and remember) the feature dimension."""
        return int(self[video_id].shape[1])

    def source_of(self, video_id: str) -> str:
        """The file that holds ``video_id`` (named in error messages)."""
        return self.path

    @abstractmethod
    def _read(self, video_id: str):
        """Return the raw array of ``video_id`` or raise FeatureError."""

    @abstractmethod
    def __contains__(self, video_id: str) -> bool:
        """Whether ``video_id`` has features."""
