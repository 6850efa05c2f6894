"""Frequency prior: the most frequent training (start, end) grid cells."""
from typing import Optional, Tuple, Union

import numpy as np

from ...registry import MODELS
from ...structures import batched_nms
from .base_prior import BaseMomentPrior, repeat_for, training_moments


def grid_cell_counts(moments: np.ndarray, grid: int) -> np.ndarray:
    """``grid x grid`` counts of normalised moments.

    Moment (s, e) falls in cell (i, j) with ``i = min(floor(s N), N - 1)``
    and ``j = max(i, min(ceil(e N) - 1, N - 1))``; cell (i, j) stands for
    the segment ``[i / N, (j + 1) / N]``.
    """
    i = np.minimum(np.floor(moments[:, 0] * grid), grid - 1).astype(np.int64)
    j = np.maximum(i, np.minimum(np.ceil(moments[:, 1] * grid) - 1,
                                 grid - 1).astype(np.int64))
    counts = np.zeros((grid, grid), np.int64)
    np.add.at(counts, (i, j), 1)
    return counts


@MODELS.register_module()
class FrequencyPrior(BaseMomentPrior):
    """Ranks the cells of an N x N grid of normalised (start, end) by how
    many training moments fall in them (ties: lower start cell, then lower
    end cell), applies greedy NMS and keeps the top k. Every query gets the
    same list.

    Args:
        train_annotation: Config of the training annotation reader.
        grid: Cells per axis ``N``.
        nms_thresh: NMS IoU threshold.
        top_k: Segments kept.
    """

    def __init__(self, train_annotation: Union[dict, object], grid: int = 16,
                 nms_thresh: float = 0.5, top_k: int = 5,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor, init_cfg)
        counts = grid_cell_counts(training_moments(train_annotation), grid)
        ii, jj = np.triu_indices(grid)               # cells with i <= j, row-major
        c = counts[ii, jj]
        order = np.lexsort((jj, ii, -c))              # count desc, then i, then j
        ranked = np.stack([ii[order] / grid, (jj[order] + 1) / grid], axis=1)
        freq = c[order] / c.sum()
        keep = batched_nms(ranked[None], freq[None], np.ones((1, len(ranked)), bool),
                           nms_thresh, top_k)[0]
        keep = keep[keep >= 0]
        self.segments, self.scores = ranked[keep], freq[keep]

    def predict_normalized(self, sample_idx: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        return repeat_for(len(sample_idx), self.segments, self.scores)
