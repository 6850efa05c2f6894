"""Mean pairwise cosine of frame features: 1 for a collapsed encoder."""
import torch
import torch.nn.functional as F


def mean_pairwise_cosine(feats: torch.Tensor, mask: torch.Tensor) -> float:
    """Mean cosine similarity over all pairs of distinct real frames, across
    all videos of the batch (``O(N d)``: from the sum of unit vectors).

    Args:
        feats: ``B x T x d`` frame features.
        mask: ``B x T`` bool mask of real frames.

    Returns:
        The mean cosine in ``[-1, 1]`` (nan with fewer than 2 real frames).
        A zero vector has cosine 0 with every frame.
    """
    if feats.shape[:2] != mask.shape:
        raise ValueError(f'feats {tuple(feats.shape)} and mask {tuple(mask.shape)} '
                         'disagree on B x T')
    x = F.normalize(feats[mask.bool()].double(), dim=-1)       # N x d
    n = x.size(0)
    if n < 2:
        return float('nan')
    total = x.sum(0)
    return float((total @ total - (x * x).sum()) / (n * (n - 1)))
