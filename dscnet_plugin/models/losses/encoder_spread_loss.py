"""A ceiling on the mean pairwise cosine of the video encoder's frames."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from ...registry import LOSSES


def pairwise_cosine_mean(feats: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean cosine similarity over all pairs of distinct real frames, across
    all videos of the batch, differentiable (``O(N d)``: from the sum of
    unit vectors, since ``|sum_i u_i|^2 = N + sum_{i != k} cos(u_i, u_k)``).

    Args:
        feats: ``B x T x d`` frame features.
        mask: ``B x T`` bool mask of real frames.

    Returns:
        A 0-d tensor in ``[-1, 1]`` (nan with fewer than 2 real frames). A
        zero vector has cosine 0 with every frame.
    """
    if feats.shape[:2] != mask.shape:
        raise ValueError(f'feats {tuple(feats.shape)} and mask {tuple(mask.shape)} '
                         'disagree on B x T')
    x = F.normalize(feats[mask.bool()], dim=-1)                 # N x d
    n = x.size(0)
    if n < 2:
        return x.new_tensor(float('nan'))
    total = x.sum(0)
    return (total @ total - (x * x).sum()) / (n * (n - 1))


@LOSSES.register_module()
class EncoderSpreadLoss(nn.Module):
    """``max(mean_{i != k} cos(f_i, f_k) - rho, 0)`` over the real frames
    ``f`` of the video encoder in a batch (all videos together).

    Not a term of the paper (``docs/method.md``, reading 27). The centred
    ``L_sab`` (reading 26) measures cosines after the batch mean is taken
    away, which does not see the scale of what is left: an encoder whose
    frames are one large common vector plus small variations still satisfies
    it, and does where the text says nothing about the video (knob 0 of the
    simulated Charades-STA features: encoder cosine 0.999). This hinge is as
    scale-free as the cosine it guards, and is zero while the frames stay
    spread (below ``rho``), so it leaves a model that does not collapse
    untouched. Measured there, it does not hold the collapse: once every
    frame is the same vector the hinge is at its maximum ``1 - rho`` with no
    gradient (reading 27 gives the numbers).

    Args:
        max_cosine: ``rho``, the ceiling, in ``(-1, 1)``.
        loss_weight: Weight of the term in ``L_v``.
    """

    def __init__(self, max_cosine: float = 0.8, loss_weight: float = 1.0) -> None:
        super().__init__()
        if not -1.0 < max_cosine < 1.0:
            raise ValueError(f'max_cosine must lie in (-1, 1), got {max_cosine}')
        self.max_cosine = max_cosine
        self.loss_weight = loss_weight

    def forward(self, frames: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """
        Args:
            frames: ``B x T x d`` encoder outputs.
            mask: ``B x T`` bool mask of real frames.

        Returns:
            The weighted hinge (0 with fewer than 2 real frames).
        """
        cos = pairwise_cosine_mean(frames, mask)
        if torch.isnan(cos):
            return frames.sum() * 0.0
        return self.loss_weight * (cos - self.max_cosine).clamp(min=0.0)
