"""Random prior: uniformly random segments, reproducible per sample."""
from typing import Optional, Tuple

import numpy as np

from ...registry import MODELS
from ...structures import batched_nms, gather_kept
from .base_prior import BaseMomentPrior

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """Vectorised SplitMix64 finaliser (uint64 -> well-mixed uint64)."""
    with np.errstate(over='ignore'):
        x = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK64
        x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK64
        x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK64
        return x ^ (x >> np.uint64(31))


def hashed_uniform(seed: int, sample_idx: np.ndarray, count: int) -> np.ndarray:
    """``N x count`` uniforms in [0, 1) that depend only on (seed, sample
    index, position): the same sample gets the same numbers whatever the
    batch it is in."""
    idx = sample_idx.astype(np.uint64)[:, None]
    pos = np.arange(count, dtype=np.uint64)[None, :]
    with np.errstate(over='ignore'):
        seed64 = np.uint64(seed & 0xFFFFFFFFFFFFFFFF)  # negative seeds wrap
        key = _splitmix64(seed64 * np.uint64(0x100000001B3) ^ _splitmix64(idx))
        bits = _splitmix64(key ^ (pos * np.uint64(0xD6E8FEB86659FD93)))
    return (bits >> np.uint64(11)).astype(np.float64) / float(1 << 53)


@MODELS.register_module()
class RandomPrior(BaseMomentPrior):
    """Ranks ``num_candidates`` segments whose ends are two sorted uniform
    draws on [0, 1] in random order, applies NMS and keeps the top k.

    Args:
        seed: Seed; results depend only on it and the sample index.
        num_candidates: Segments drawn per sample before NMS.
        nms_thresh: NMS IoU threshold.
        top_k: Segments kept.
    """

    def __init__(self, seed: int = 0, num_candidates: int = 40,
                 nms_thresh: float = 0.5, top_k: int = 5,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor, init_cfg)
        self.seed = seed
        self.num_candidates = num_candidates
        self.nms_thresh = nms_thresh
        self.top_k = top_k

    def predict_normalized(self, sample_idx: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        k = self.num_candidates
        u = hashed_uniform(self.seed, sample_idx, 3 * k)
        ends = np.sort(u[:, :2 * k].reshape(-1, k, 2), axis=2)
        scores = u[:, 2 * k:]
        keep = batched_nms(ends, scores, ends[..., 1] > ends[..., 0],
                           self.nms_thresh, self.top_k)
        return gather_kept(ends, keep), np.where(keep >= 0, gather_kept(scores, keep), -np.inf)
