"""L_cls (Eq. 12-14): per-frame, per-centre binary cross entropy."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from ...registry import LOSSES


@LOSSES.register_module()
class GroundingBCELoss(nn.Module):
    """Binary cross entropy between ``h_j^t = A_spe[t, j] A_fore[t]``
    (Eq. 12) and the pseudo labels ``Y[t, j]`` (Eq. 13-14).

    The paper sums over videos, frames and centres; the default averages
    over the real (video, centre, frame) entries so that the scale does not
    depend on ``T``, ``N_c`` or the batch size (``reduction='sum'`` keeps the
    paper's sum).

    Args:
        reduction: ``'mean'`` or ``'sum'``.
        loss_weight: Weight of ``L_cls`` in Eq. 15 (1).
    """

    def __init__(self, reduction: str = 'mean', loss_weight: float = 1.0) -> None:
        super().__init__()
        if reduction not in ('mean', 'sum'):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self, scores: torch.Tensor, labels: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        """
        Args:
            scores: ``B x N_c x T`` probabilities ``h``.
            labels: ``B x N_c x T`` binary pseudo labels ``Y``.
            mask: ``B x T`` bool mask of real frames.
        """
        h = scores.clamp(1e-6, 1 - 1e-6)
        bce = F.binary_cross_entropy(h, labels.to(h.dtype), reduction='none')
        valid = mask.unsqueeze(1).expand_as(bce)
        total = bce[valid].sum()
        if self.reduction == 'mean':
            total = total / valid.sum().clamp(min=1)
        return self.loss_weight * total
