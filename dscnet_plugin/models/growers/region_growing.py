"""Grow segments from seed frames over a per-frame score curve."""
from typing import Tuple

import torch

COMPARES = ('ge', 'lt')


def grow_segments(scores: torch.Tensor, seeds: torch.Tensor, valid: torch.Tensor,
                  threshold: float, compare: str = 'ge') -> Tuple[torch.Tensor, torch.Tensor]:
    """Grow one segment per row from its seed frame (vectorised over rows).

    At each step the left neighbour of the segment is added when its score
    compared with the score of the segment's left boundary frame passes the
    test, and likewise on the right; growth stops when no frame is added.
    ``compare='ge'`` adds a neighbour whose score is at least ``threshold``
    times the boundary's; ``'lt'`` is the literal wording of the paper
    ("if the ratio ... is less than a threshold").

    Args:
        scores: ``N x T`` non-negative frame scores.
        seeds: ``(N,)`` seed frame indices.
        valid: ``N x T`` bool mask of real frames.
        threshold: Ratio threshold.
        compare: ``'ge'`` or ``'lt'``.

    Returns:
        ``(start, end)`` inclusive frame indices, ``(N,)`` each.
    """
    if compare not in COMPARES:
        raise ValueError(f'compare must be one of {COMPARES}, got {compare!r}')
    n, t = scores.shape
    rows = torch.arange(n, device=scores.device)
    start, end = seeds.clone(), seeds.clone()

    def passes(candidate: torch.Tensor, boundary: torch.Tensor) -> torch.Tensor:
        if compare == 'ge':
            return candidate >= threshold * boundary
        return candidate < threshold * boundary

    for _ in range(t):
        left, right = start - 1, end + 1
        lc, rc = left.clamp(min=0), right.clamp(max=t - 1)
        add_l = (left >= 0) & valid[rows, lc] & passes(scores[rows, lc], scores[rows, start])
        add_r = (right < t) & valid[rows, rc] & passes(scores[rows, rc], scores[rows, end])
        if not (add_l | add_r).any():
            break
        start = start - add_l.long()
        end = end + add_r.long()
    return start, end


def to_normalized(start: torch.Tensor, end: torch.Tensor,
                  valid: torch.Tensor) -> torch.Tensor:
    """Inclusive frame indices -> ``(start, end)`` in [0, 1] of the real
    frames: frame ``k`` of ``T_real`` covers ``[k, k + 1] / T_real``.

    Args:
        start: ``N x K`` (or ``(N,)``) start frames.
        end: Same shape, end frames.
        valid: ``N x T`` real-frame mask (its row sums give ``T_real``).
    """
    length = valid.sum(-1).clamp(min=1).to(torch.float64)
    length = length.view(-1, *([1] * (start.dim() - 1)))
    return torch.stack([start.double() / length, (end.double() + 1) / length], -1)
