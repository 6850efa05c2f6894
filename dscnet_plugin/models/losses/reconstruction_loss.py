"""L_cel (Eq. 1): cross entropy of the reconstructed query words."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from ...registry import LOSSES


@LOSSES.register_module()
class ReconstructionLoss(nn.Module):
    """``L_cel = - sum_i log softmax(p_i)[truth_i]`` over the real words of a
    query (Eq. 1), averaged over the queries of the batch.

    Args:
        loss_weight: Weight of the term in ``L_w`` (Eq. 3: 1).
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, logits: torch.Tensor, tokens: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        """
        Args:
            logits: ``B x L x N_w`` decoder scores.
            tokens: ``B x L`` target token ids.
            mask: ``B x L`` bool mask of real tokens.
        """
        ce = F.cross_entropy(logits.flatten(0, 1), tokens.flatten(), reduction='none')
        per_query = (ce.view_as(tokens) * mask).sum(1)
        return self.loss_weight * per_query.mean()
