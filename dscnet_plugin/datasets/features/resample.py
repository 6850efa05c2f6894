"""Resample a feature sequence to a fixed number of frames."""
from typing import Tuple

import numpy as np


def resample_features(features: np.ndarray, num_frames: int,
                      short_mode: str = 'interpolate') -> Tuple[np.ndarray, np.ndarray]:
    """Bring ``T0 x D`` features to ``num_frames x D``.

    Longer sequences are average-pooled over ``num_frames`` contiguous bins
    (bin ``i`` covers source frames ``[floor(i T0 / T), ceil((i + 1) T0 / T))``).
    Shorter ones are linearly interpolated at bin centres
    (``short_mode='interpolate'``, every output frame is real) or zero-padded
    at the end (``short_mode='pad'``, the mask marks the real frames).

    Args:
        features: ``T0 x D`` array.
        num_frames: Output length ``T``.
        short_mode: ``'interpolate'`` or ``'pad'`` for ``T0 < T``.

    Returns:
        ``(T x D float32 features, (T,) bool mask of real frames)``.
    """
    t0, dim = features.shape
    mask = np.ones(num_frames, dtype=bool)
    feats = features.astype(np.float32, copy=False)
    if t0 == num_frames:
        return feats.copy(), mask
    if t0 > num_frames:
        starts = np.floor(np.arange(num_frames) * t0 / num_frames).astype(np.int64)
        ends = np.ceil(np.arange(1, num_frames + 1) * t0 / num_frames).astype(np.int64)
        csum = np.concatenate([np.zeros((1, dim), np.float64),
                               np.cumsum(feats, axis=0, dtype=np.float64)])
        pooled = (csum[ends] - csum[starts]) / (ends - starts)[:, None]
        return pooled.astype(np.float32), mask
    if short_mode == 'pad':
        out = np.zeros((num_frames, dim), np.float32)
        out[:t0] = feats
        mask[t0:] = False
        return out, mask
    if short_mode != 'interpolate':
        raise ValueError(f"short_mode must be 'interpolate' or 'pad', got {short_mode!r}")
    pos = np.clip((np.arange(num_frames) + 0.5) * t0 / num_frames - 0.5, 0, t0 - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, t0 - 1)
    w = (pos - lo)[:, None].astype(np.float32)
    return (feats[lo] * (1 - w) + feats[hi] * w).astype(np.float32), mask
