"""Ranked proposals from a frame curve: multi-scale windows scored by the
contrast inside vs. outside and the rise / fall at their ends (TFVTG)."""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch

from ...registry import INFERENCE_GROWERS
from ...structures import batched_nms, gather_kept
from ..grounders.proposal_scoring import (CURVE_NORMS, dynamic_scores, masked_gaussian_smooth,
                                          normalize_curve, proposal_frames, proposal_grid,
                                          static_scores, threshold_curve)


@INFERENCE_GROWERS.register_module()
class ProposalGrower:
    """Steps 1-4 of the training-free grounder on any ``B x T`` frame curve
    (our reading of TFVTG's static and dynamic scores, ``docs/vlm.md``,
    "Training-free grounder"): the curve is optionally smoothed and
    normalised per video; sliding windows at every scale are scored by
    static + ``dynamic_weight`` x dynamic; greedy NMS; the top ``top_k``.

    The curve must have the real frames first and the padding last
    (``ResampleFeatures(short_mode='pad')``); a window's frames are those of
    its video's own real length.

    Args:
        scales: Proposal durations as fractions of the video, each in (0, 1].
        stride_ratio: Start step of a scale's windows, as a fraction of
            their duration (``0.125``: neighbours overlap by 7/8).
        smooth_sigma: Std (frames) of the Gaussian smoothing of the curve
            before everything else; ``0`` disables.
        normalize: Per-video normalisation of the curve: ``'none'``,
            ``'minmax'`` (to [0, 1]) or ``'zscore'``.
        min_similarity: Frames whose (normalised) curve value is
            ``<= min_similarity`` count as 0 and leave the outside mean;
            ``None`` disables (TFVTG: 0.2 on raw BLIP-2 similarities, i.e.
            with ``normalize='none'``).
        dynamic_weight: Weight of the dynamic score (``0``: static only).
        dynamic_sigma: Std (frames) of the Gaussian smoothing of the curve
            the dynamic score reads (TFVTG smooths before differencing);
            ``0`` disables.
        boundary_ratio: Width of the start / end bands of the dynamic
            score as a fraction of the window length (at least one frame).
        gaussian_truncate: Radius of both Gaussian kernels in stds.
        nms_thresh: NMS IoU threshold (``>= 1`` disables).
        top_k: Segments kept per query.
    """

    def __init__(self, scales: Sequence[float] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0),
                 stride_ratio: float = 0.125, smooth_sigma: float = 0.0,
                 normalize: str = 'minmax', min_similarity: Optional[float] = None,
                 dynamic_weight: float = 0.5, dynamic_sigma: float = 1.0,
                 boundary_ratio: float = 0.25, gaussian_truncate: float = 2.0,
                 nms_thresh: float = 0.5, top_k: int = 5) -> None:
        if normalize not in CURVE_NORMS:
            raise ValueError(f'normalize must be one of {CURVE_NORMS}, got {normalize!r}')
        if boundary_ratio <= 0:
            raise ValueError(f'boundary_ratio must be > 0, got {boundary_ratio}')
        if top_k < 1:
            raise ValueError(f'top_k must be >= 1, got {top_k}')
        self.scales = tuple(float(s) for s in scales)
        self.stride_ratio = float(stride_ratio)
        self.grid = proposal_grid(self.scales, self.stride_ratio)  # P x 2 fractions
        self.smooth_sigma = float(smooth_sigma)
        self.normalize = normalize
        self.min_similarity = None if min_similarity is None else float(min_similarity)
        self.dynamic_weight = float(dynamic_weight)
        self.dynamic_sigma = float(dynamic_sigma)
        self.boundary_ratio = float(boundary_ratio)
        self.gaussian_truncate = float(gaussian_truncate)
        self.nms_thresh = float(nms_thresh)
        self.top_k = int(top_k)

    def prepare_curve(self, curve: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Step 1 without the threshold: smoothed and normalised ``B x T``."""
        curve = masked_gaussian_smooth(curve, valid, self.smooth_sigma, self.gaussian_truncate)
        return normalize_curve(curve, valid, self.normalize)

    def score_proposals(self, curve: torch.Tensor, valid: torch.Tensor
                        ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Every window of every video with its score, from a prepared curve.

        Returns:
            ``B x P x 2`` normalised segments in [0, 1] of the real frames
            and their ``B x P`` float64 scores.
        """
        lengths = valid.sum(1)
        start, end = proposal_frames(torch.from_numpy(self.grid).to(curve.device), lengths)
        scoring, active = threshold_curve(curve, valid, self.min_similarity)
        scores = static_scores(scoring, active, start, end)
        if self.dynamic_weight != 0:
            smooth = masked_gaussian_smooth(scoring, valid, self.dynamic_sigma,
                                            self.gaussian_truncate)
            scores = scores + self.dynamic_weight * dynamic_scores(
                smooth, lengths, start, end, self.boundary_ratio)
        t = lengths.to(torch.float64).view(-1, 1)
        return torch.stack([start.double() / t, end.double() / t], -1), scores

    def __call__(self, scores: torch.Tensor, valid: torch.Tensor
                 ) -> Tuple[torch.Tensor, torch.Tensor]:
        """
        Args:
            scores: ``B x T`` frame curve (any scale).
            valid: ``B x T`` bool real frames, first in each row.

        Returns:
            ``B x k x 2`` normalised segments and ``B x k`` scores, best
            first; unfilled slots have score ``-inf``.
        """
        valid = valid.bool()
        segments, window_scores = self.score_proposals(self.prepare_curve(scores, valid), valid)
        seg, sc = segments.cpu().numpy(), window_scores.cpu().numpy()
        keep = batched_nms(seg, sc, np.ones(sc.shape, bool), self.nms_thresh, self.top_k)
        kept = np.where(keep >= 0, gather_kept(sc, keep), -np.inf)
        return (torch.from_numpy(gather_kept(seg, keep)).to(scores.device),
                torch.from_numpy(kept).to(scores.device))
