"""Centre labels from a frame-centre score in a shared vision-language space."""
from typing import Optional

import torch
import torch.nn.functional as F

from ...registry import PSEUDO_LABELLERS


@PSEUDO_LABELLERS.register_module()
class AnchorShareLabeller:
    """Labels ``y_j`` of DSCNet-VLM from ``B x N_c x T`` frame-centre scores.

    1. Each score row is *contrasted*: minus its mean over the video's real
       frames (what a centre shares with the whole video, e.g. the
       video's appearance, is no evidence), then smoothed over time by a
       moving average of ``smooth`` frames.
    2. Every real frame goes to the centre with the highest contrast.
    3. The ``activity_share`` of each video's real frames with the highest
       contrast to their centre are labelled 1 for that centre (the
       activity); every other label is 0. So each labelled frame belongs to
       exactly one centre, the centres that match nothing in a video get no
       frame of it, and no centre can take the complement of the activity.

    Args:
        activity_share: Share of each video's frames labelled (Charades-STA
            moments cover 30 % of their video on average).
        smooth: Moving-average width in frames (1: none).
    """

    splits_activity = True

    def __init__(self, activity_share: float = 0.3, smooth: int = 3) -> None:
        if not 0.0 < activity_share < 1.0:
            raise ValueError(f'activity_share must be in (0, 1), got {activity_share}')
        if smooth < 1:
            raise ValueError(f'smooth must be >= 1, got {smooth}')
        self.activity_share = activity_share
        self.smooth = smooth

    def contrast(self, scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Step 1: ``B x N_c x T`` scores minus their real-frame mean,
        smoothed (0 on padded frames)."""
        m = mask.unsqueeze(1).to(scores.dtype)
        mean = (scores * m).sum(-1, keepdim=True) / m.sum(-1, keepdim=True).clamp(min=1)
        x = (scores - mean) * m
        if self.smooth > 1:
            b, k, t = x.shape
            kernel = torch.ones(1, 1, self.smooth, dtype=x.dtype, device=x.device)
            pad = (self.smooth // 2, self.smooth - 1 - self.smooth // 2)
            total = F.conv1d(F.pad(x.reshape(b * k, 1, t), pad), kernel)
            count = F.conv1d(F.pad(m.expand(b, k, t).reshape(b * k, 1, t), pad), kernel)
            x = (total / count.clamp(min=1)).reshape(b, k, t) * m
        return x

    @torch.no_grad()
    def __call__(self, scores: torch.Tensor, mask: torch.Tensor,
                 generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Steps 1-3.

        Args:
            scores: ``B x N_c x T`` frame-centre scores (cosines in the
                shared space, or the model's logits when relabelling).
            mask: ``B x T`` bool real frames.
            generator: Unused (the labels are deterministic).

        Returns:
            ``B x N_c x T`` bool labels.
        """
        x = self.contrast(scores, mask)
        best, owner = x.max(1)                                          # B x T
        best = best.masked_fill(~mask, -float('inf'))
        length = mask.sum(-1)
        count = (length.to(x.dtype) * self.activity_share).round().clamp(min=1).long()
        rank = best.argsort(-1, descending=True).argsort(-1)            # 0 = most contrasted
        active = (rank < count.unsqueeze(-1)) & mask
        onehot = F.one_hot(owner, scores.size(1)).transpose(1, 2).bool()  # B x N_c x T
        return onehot & active.unsqueeze(1)
