"""L_trip (Eq. 11): triplet loss of the foreground attention branch."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from ...registry import LOSSES


@LOSSES.register_module()
class ForegroundTripletLoss(nn.Module):
    """``max(d(f_u, f_v) - d(f_u, f_o) + tau_3, 0)`` for each foreground
    anchor frame ``u`` of each video, with ``d`` the cosine distance.

    Mining: ``'paper'`` takes, as the paper writes, the positive ``v`` as the
    foreground frame nearest to ``u`` and the negative ``o`` as the
    background frame farthest from ``u``; ``'hard'`` takes the farthest
    foreground and the nearest background frame (the usual hard mining).
    The loss is averaged over the anchors that have both.

    Args:
        margin: ``tau_3`` (paper: 0.5).
        mining: ``'paper'`` or ``'hard'``.
        loss_weight: ``beta_v`` of Eq. 15 (paper: 0.5).
    """

    def __init__(self, margin: float = 0.5, mining: str = 'paper',
                 loss_weight: float = 0.5) -> None:
        super().__init__()
        if mining not in ('paper', 'hard'):
            raise ValueError(f"mining must be 'paper' or 'hard', got {mining!r}")
        self.margin = margin
        self.mining = mining
        self.loss_weight = loss_weight

    def forward(self, feats: torch.Tensor, foreground: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        """
        Args:
            feats: ``B x T x d`` foreground-branch frame features.
            foreground: ``B x T`` bool pseudo labels (True: foreground).
            mask: ``B x T`` bool mask of real frames.
        """
        x = F.normalize(feats, dim=-1, eps=1e-8)
        dist = 1.0 - x @ x.transpose(1, 2)                        # B x T x T
        fg = foreground & mask
        bg = ~foreground & mask
        t = feats.size(1)
        not_self = ~torch.eye(t, dtype=torch.bool, device=feats.device)
        pos_ok = fg.unsqueeze(1) & not_self                        # B x T(u) x T(v)
        neg_ok = bg.unsqueeze(1).expand(-1, t, -1)
        big = torch.finfo(dist.dtype).max
        if self.mining == 'paper':
            d_pos = dist.masked_fill(~pos_ok, big).min(-1).values
            d_neg = dist.masked_fill(~neg_ok, -big).max(-1).values
        else:
            d_pos = dist.masked_fill(~pos_ok, -big).max(-1).values
            d_neg = dist.masked_fill(~neg_ok, big).min(-1).values
        anchors = fg & pos_ok.any(-1) & neg_ok.any(-1)
        if not anchors.any():
            return feats.sum() * 0.0
        loss = F.relu(d_pos - d_neg + self.margin)[anchors]
        return self.loss_weight * loss.mean()
