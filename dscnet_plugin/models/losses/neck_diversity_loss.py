"""L_dqa (Eq. 2): keep the necks of a query different from each other."""
import torch
import torch.nn as nn

from ...registry import LOSSES


@LOSSES.register_module()
class NeckDiversityLoss(nn.Module):
    """``|| E E^T - lambda I ||_F`` for the ``N_e x d_e`` necks ``E`` of each
    query, averaged over the batch.

    The paper writes ``E^T E``; with ``E`` stored as ``N_e x d_e`` rows that
    is a ``d_e x d_e`` matrix, while the regulariser of Lin et al. (2017)
    that the paper cites compares the ``N_e x N_e`` Gram matrix of the
    necks with the identity, which is ``E E^T`` here.

    Args:
        lambda_: ``lambda`` in (0, 1] (paper: 0.5).
        loss_weight: ``beta_w`` of Eq. 3 (paper: 0.5).
    """

    def __init__(self, lambda_: float = 0.5, loss_weight: float = 0.5) -> None:
        super().__init__()
        self.lambda_ = lambda_
        self.loss_weight = loss_weight

    def forward(self, necks: torch.Tensor) -> torch.Tensor:
        """
        Args:
            necks: ``B x N_e x d_e``.
        """
        gram = necks @ necks.transpose(1, 2)
        eye = torch.eye(necks.size(1), device=necks.device, dtype=necks.dtype)
        return self.loss_weight * torch.linalg.matrix_norm(gram - self.lambda_ * eye).mean()
