"""The paper's inference: grow one segment from the best frame."""
from typing import Tuple

import torch

from ...registry import INFERENCE_GROWERS
from .region_growing import grow_segments, to_normalized


@INFERENCE_GROWERS.register_module()
class ThresholdGrower:
    """Seed at the highest-scoring frame and grow while neighbours pass the
    ratio test (see :func:`grow_segments`).

    Args:
        threshold: Paper: 0.9 Charades-STA, 0.8 ActivityNet Captions.
        compare: ``'ge'`` (a neighbour joins when its score is at least
            ``threshold`` times the boundary's) or ``'lt'`` (the literal
            "less than"; see ``docs/method.md``).
    """

    def __init__(self, threshold: float = 0.9, compare: str = 'ge') -> None:
        self.threshold = threshold
        self.compare = compare

    def __call__(self, scores: torch.Tensor, valid: torch.Tensor
                 ) -> Tuple[torch.Tensor, torch.Tensor]:
        """
        Args:
            scores: ``B x T`` frame scores.
            valid: ``B x T`` bool real frames.

        Returns:
            ``B x 1 x 2`` normalised segments and ``B x 1`` scores (the seed's).
        """
        masked = scores.masked_fill(~valid, -1.0)
        best, seed = masked.max(-1)
        start, end = grow_segments(scores, seed, valid, self.threshold, self.compare)
        return to_normalized(start, end, valid).unsqueeze(1), best.unsqueeze(1)
