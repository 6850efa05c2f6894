"""Pseudo-labeller by thresholding the frame-centre similarity."""
from typing import Optional

import torch

from ...registry import PSEUDO_LABELLERS
from .ncut_labeller import center_similarity


@PSEUDO_LABELLERS.register_module()
class SimilarityQuantileLabeller:
    """Labels 1 the frames whose cosine similarity to the centre is at or
    above the ``quantile`` of that video's similarities to it.

    Args:
        quantile: In (0, 1); 0.7 labels the top 30 % of the frames.
    """

    def __init__(self, quantile: float = 0.7) -> None:
        self.quantile = quantile

    @torch.no_grad()
    def __call__(self, frames: torch.Tensor, centers: Optional[torch.Tensor],
                 mask: torch.Tensor, generator: Optional[torch.Generator] = None
                 ) -> torch.Tensor:
        """Same arguments and result as :class:`NCutLabeller`. Without
        centres, the frames least similar to their video's mean frame (the
        most distinctive ones) are labelled 1."""
        if centers is None:
            m = mask.unsqueeze(-1).to(frames.dtype)
            mean = (frames * m).sum(1, keepdim=True) / m.sum(1, keepdim=True).clamp(min=1)
            sim = -center_similarity(frames, mean)                   # B x 1 x T
        else:
            sim = center_similarity(frames, centers)                 # B x N_c x T
        m = mask.unsqueeze(1).expand_as(sim)
        nan = torch.full_like(sim, float('nan'))
        thresh = torch.nanquantile(torch.where(m, sim, nan), self.quantile, dim=-1,
                                   keepdim=True)
        return (sim >= thresh) & m
