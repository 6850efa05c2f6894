"""L_mse: mean squared error between r_e and r_o."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from ...registry import LOSSES


@LOSSES.register_module()
class SentenceMSELoss(nn.Module):
    """Mean squared error between the encoder's sentence representation
    ``r_e`` and the decoder's ``r_o`` (both ``B x d_r``).

    Args:
        loss_weight: ``alpha_w`` of Eq. 3 (paper: 0.5).
    """

    def __init__(self, loss_weight: float = 0.5) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, r_e: torch.Tensor, r_o: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * F.mse_loss(r_o, r_e)
