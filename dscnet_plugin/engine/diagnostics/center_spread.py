"""Cosine spread of the semantic centres of each neck."""
from typing import Dict

import torch
import torch.nn.functional as F


def center_cosine_spread(centers: torch.Tensor, centred: bool = False
                         ) -> Dict[str, torch.Tensor]:
    """Mean, min and max off-diagonal cosine between the centres of each neck.

    Args:
        centers: ``N_e x N_c x d`` centres (raw or projected).
        centred: Subtract each neck's mean centre first: centres that share a
            common offset (a bias) look alike raw but not centred.

    Returns:
        ``mean``, ``min``, ``max``: ``(N_e,)`` float tensors (nan when
        ``N_c < 2``).
    """
    if centers.dim() != 3:
        raise ValueError(f'centers must be N_e x N_c x d, got shape {tuple(centers.shape)}')
    x = centers.double()
    if centred:
        x = x - x.mean(1, keepdim=True)
    x = F.normalize(x, dim=-1)
    n_e, n_c = x.shape[:2]
    if n_c < 2:
        nan = torch.full((n_e,), float('nan'))
        return dict(mean=nan, min=nan.clone(), max=nan.clone())
    cos = x @ x.transpose(1, 2)                                  # N_e x N_c x N_c
    off = ~torch.eye(n_c, dtype=torch.bool, device=x.device)
    values = cos[:, off].view(n_e, n_c * (n_c - 1))
    return dict(mean=values.mean(1).float().cpu(), min=values.min(1).values.float().cpu(),
                max=values.max(1).values.float().cpu())
