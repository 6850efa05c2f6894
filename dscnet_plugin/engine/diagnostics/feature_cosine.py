"""Mean pairwise cosine of frame features: 1 for a collapsed encoder."""
import torch

from ...models.losses import pairwise_cosine_mean


def mean_pairwise_cosine(feats: torch.Tensor, mask: torch.Tensor) -> float:
    """Mean cosine similarity over all pairs of distinct real frames, across
    all videos of the batch, in double precision (see
    :func:`~dscnet_plugin.models.losses.pairwise_cosine_mean`).

    Args:
        feats: ``B x T x d`` frame features.
        mask: ``B x T`` bool mask of real frames.

    Returns:
        The mean cosine in ``[-1, 1]`` (nan with fewer than 2 real frames).
        A zero vector has cosine 0 with every frame.
    """
    with torch.no_grad():
        return float(pairwise_cosine_mean(feats.double(), mask))
