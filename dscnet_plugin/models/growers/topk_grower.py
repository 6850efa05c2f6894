"""Ranked proposals for R@k: grow from every frame, rank, NMS."""
from typing import Tuple

import numpy as np
import torch

from ...registry import INFERENCE_GROWERS
from ...structures import batched_nms, gather_kept
from .region_growing import grow_segments, to_normalized
from .threshold_grower import ThresholdGrower


@INFERENCE_GROWERS.register_module()
class TopKGrower:
    """Every real frame seeds a segment grown as in :class:`ThresholdGrower`;
    a segment is scored by its seed's score, so the first proposal is the
    threshold grower's answer; greedy NMS removes the many duplicates and
    the top ``k`` remain. (The paper reports R@5 without saying how its five
    proposals are made; this is our reading, see ``docs/method.md``.)

    Args:
        threshold: Growth ratio threshold.
        top_k: Proposals kept.
        nms_thresh: NMS IoU threshold.
        compare: ``'ge'`` or ``'lt'``, as in :class:`ThresholdGrower`.
    """

    def __init__(self, threshold: float = 0.9, top_k: int = 5, nms_thresh: float = 0.5,
                 compare: str = 'ge') -> None:
        self.threshold = threshold
        self.top_k = top_k
        self.nms_thresh = nms_thresh
        self.compare = compare

    def best(self, scores: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """``B x 2`` normalised first proposal alone (grown from the best
        seed, as :class:`ThresholdGrower`), without the ``T``-fold growth."""
        return ThresholdGrower(self.threshold, self.compare)(scores, valid)[0][:, 0]

    def __call__(self, scores: torch.Tensor, valid: torch.Tensor
                 ) -> Tuple[torch.Tensor, torch.Tensor]:
        """
        Args:
            scores: ``B x T`` frame scores.
            valid: ``B x T`` bool real frames.

        Returns:
            ``B x k x 2`` normalised segments and ``B x k`` scores, best
            first; unfilled slots have score ``-inf``.
        """
        b, t = scores.shape
        seeds = torch.arange(t, device=scores.device).repeat(b)
        rep_scores = scores.repeat_interleave(t, 0)
        rep_valid = valid.repeat_interleave(t, 0)
        start, end = grow_segments(rep_scores, seeds, rep_valid, self.threshold, self.compare)
        segs = to_normalized(start.view(b, t), end.view(b, t), valid).detach().cpu().numpy()
        seed_scores = scores.detach().double().cpu().numpy()
        real = valid.cpu().numpy()
        keep = batched_nms(segs, seed_scores, real, self.nms_thresh, self.top_k)
        out_scores = np.where(keep >= 0, gather_kept(seed_scores, keep), -np.inf)
        return (torch.from_numpy(gather_kept(segs, keep)).to(scores.device),
                torch.from_numpy(out_scores).to(scores.device))
