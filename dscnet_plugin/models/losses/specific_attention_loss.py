"""L_sab (Eq. 8-10): loss of the specific attention branch."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...registry import LOSSES


def cosine_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``1 - cos(a, b)`` along the last dimension."""
    return 1.0 - F.cosine_similarity(a, b, dim=-1, eps=1e-8)


@LOSSES.register_module()
class SpecificAttentionLoss(nn.Module):
    """``L_sab = sum_j sum_v (L_sim + theta L_dis)`` (Eq. 10) over ``J``
    sampled centres and the ``Z`` videos of the batch, with

    - ``L_sim^(j,v) = sum_{u != v} max(d(S^p_vj, S^p_uj) - tau_1, 0)`` (Eq. 8)
    - ``L_dis^(j,v) = sum_{u != v} max(d(S^p_vj, S^p_uj) - d(S^p_vj, S^n_vj) + tau_2, 0)`` (Eq. 9)

    and ``d`` the cosine distance. The sums are divided by the number of
    pairs (``reduction='mean'``, so the learning rate does not depend on the
    batch size) or left as in the paper (``reduction='sum'``).

    ``pairs='firing'`` (the centre-labels configs' choice, see
    ``docs/method.md``) takes only the pairs of videos where centre ``j``
    fires (has a frame labelled 1 in both), and the caller composes
    ``S^p_j`` from the frames labelled for ``j``: the frames that should
    look alike are pulled together, and a constant encoder no longer
    satisfies Eq. 8 for free while ``L_dis`` pays for it. ``pairs='all'``
    is the literal sum over every pair of the batch (the default: it pulls
    every video's composition towards every other's and collapses the
    shared encoder on Charades-like data).

    ``centring='batch'`` measures ``d`` between compositions from which
    the mean of every ``S^p`` and ``S^n`` of the batch is taken away. A
    constant encoder then gives zero vectors, whose cosine distance to
    anything is 1, so Eq. 8 charges it ``1 - tau_1`` per pair instead of
    nothing; compositions that differ by centre and agree across videos
    still satisfy it. ``'none'`` (the default) is the literal distance.

    Args:
        theta: Weight of ``L_dis`` (paper: 1.0).
        tau1: Margin of Eq. 8 (paper: 1e-4).
        tau2: Margin of Eq. 9 (paper: 1e-4).
        num_sampled_centers: ``J``; ``None`` uses every centre.
        reduction: ``'mean'`` or ``'sum'``.
        pairs: ``'firing'`` or ``'all'``.
        centring: ``'none'`` or ``'batch'``.
        loss_weight: ``alpha_v`` of Eq. 15 (paper: 0.5).
    """

    def __init__(self, theta: float = 1.0, tau1: float = 1e-4, tau2: float = 1e-4,
                 num_sampled_centers: Optional[int] = None, reduction: str = 'mean',
                 pairs: str = 'all', centring: str = 'none',
                 loss_weight: float = 0.5) -> None:
        super().__init__()
        if reduction not in ('mean', 'sum'):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        if pairs not in ('firing', 'all'):
            raise ValueError(f"pairs must be 'firing' or 'all', got {pairs!r}")
        if centring not in ('none', 'batch'):
            raise ValueError(f"centring must be 'none' or 'batch', got {centring!r}")
        self.pairs, self.centring = pairs, centring
        self.theta, self.tau1, self.tau2 = theta, tau1, tau2
        self.num_sampled_centers = num_sampled_centers
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self, pos: torch.Tensor, neg: torch.Tensor,
                generator: Optional[torch.Generator] = None,
                fires: Optional[torch.Tensor] = None) -> torch.Tensor:
        """
        Args:
            pos: ``Z x N_c x d`` positive compositions ``S^p`` (Eq. 5).
            neg: ``Z x N_c x d`` negative compositions ``S^n`` (Eq. 7).
            generator: Random generator of the centre sampling.
            fires: ``Z x N_c`` bool, whether centre ``j`` fires in video
                ``v`` (needed by ``pairs='firing'``).
        """
        z, n_c = pos.shape[:2]
        if z < 2:
            return pos.sum() * 0.0
        if self.pairs == 'firing' and fires is None:
            raise ValueError("pairs='firing' needs `fires` (Z x N_c)")
        if self.pairs == 'all' or fires is None:  # literal: every pair of the batch
            fires = pos.new_ones(z, n_c, dtype=torch.bool)
        if self.centring == 'batch':  # the mean of the defined S^p and every S^n
            total = (pos * fires.unsqueeze(-1)).sum((0, 1)) + neg.sum((0, 1))
            mean = total / (fires.sum() + z * n_c)
            pos, neg = pos - mean, neg - mean
        if self.num_sampled_centers is not None and self.num_sampled_centers < n_c:
            pick = torch.randperm(n_c, generator=generator)[:self.num_sampled_centers]
            pick = pick.to(pos.device)
            pos, neg, fires = pos[:, pick], neg[:, pick], fires[:, pick]
        p = pos.transpose(0, 1)                                   # J x Z x d
        d_pp = cosine_distance(p.unsqueeze(2), p.unsqueeze(1))    # J x Z x Z
        d_pn = cosine_distance(p, neg.transpose(0, 1))            # J x Z
        f = fires.transpose(0, 1)                                 # J x Z
        off_diag = ~torch.eye(z, dtype=torch.bool, device=pos.device)
        valid = off_diag & f.unsqueeze(2) & f.unsqueeze(1)        # J x Z x Z
        l_sim = F.relu(d_pp - self.tau1)
        l_dis = F.relu(d_pp - d_pn.unsqueeze(2) + self.tau2)
        total = ((l_sim + self.theta * l_dis) * valid).sum()
        if self.reduction == 'mean':
            total = total / valid.sum().clamp(min=1)
        return self.loss_weight * total
