"""Pull each labelled frame onto its centre (DSCNet-VLM's ``L_reg``)."""
import torch
import torch.nn as nn

from ...registry import LOSSES


@LOSSES.register_module()
class CentreRegressionLoss(nn.Module):
    """Mean squared distance between every frame labelled for a centre and
    that centre, in the space where the two are compared:
    ``sum_{b,j,t} y_bjt ||f_hat_bt - c_hat_j||^2 / sum y``.

    Its minimiser over a linear frame map is the least-squares regression of
    the labelled frames onto their centres (with the map initialised to the
    identity and trained for a few epochs, a ridge regression towards it).

    Args:
        loss_weight: Weight of the term in ``L_v``.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, frame_embed: torch.Tensor, center_embed: torch.Tensor,
                labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """
        Args:
            frame_embed: ``B x T x D`` ``F_hat``.
            center_embed: ``B x N_c x D`` or ``1 x N_c x D`` ``C_hat``.
            labels: ``B x N_c x T`` bool pseudo labels.
            mask: ``B x T`` bool real frames.

        Returns:
            The weighted loss (0 when no frame is labelled).
        """
        y = (labels & mask.unsqueeze(1)).to(frame_embed.dtype)             # B x K x T
        c = center_embed.expand(frame_embed.size(0), -1, -1)
        # ||f - c||^2 = |f|^2 - 2 f.c + |c|^2, summed with the label weights
        f2 = (frame_embed ** 2).sum(-1)                                    # B x T
        c2 = (c ** 2).sum(-1)                                              # B x K
        fc = torch.einsum('btd,bkd->bkt', frame_embed, c)
        total = (y * (f2.unsqueeze(1) - 2 * fc + c2.unsqueeze(-1))).sum()
        return self.loss_weight * total / y.sum().clamp(min=1)
