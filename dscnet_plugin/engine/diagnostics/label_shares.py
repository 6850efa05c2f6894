"""Foreground share and disagreement across centres of a pseudo-label bank."""
from typing import Optional

import torch


def _real(bank: torch.Tensor, real: Optional[torch.Tensor]) -> torch.Tensor:
    """``V x 1 x 1 x T`` float mask of the frames counted (all when None)."""
    if real is None:
        return bank.new_ones((bank.size(0), 1, 1, bank.size(-1)), dtype=torch.float)
    if real.shape != (bank.size(0), bank.size(-1)):
        raise ValueError(f'real must be V x T = {(bank.size(0), bank.size(-1))}, '
                         f'got {tuple(real.shape)}')
    return real.to(bank.device, torch.float)[:, None, None]


def foreground_share(bank: torch.Tensor, real: Optional[torch.Tensor] = None) -> float:
    """Share of the labels over real frames that are 1 (foreground).

    Args:
        bank: ``V x N_e x N_c x T`` bool label bank.
        real: ``V x T`` bool mask of real frames; None: every frame counts.

    Returns:
        The share in ``[0, 1]`` (nan when no frame counts).
    """
    weight = _real(bank, real).expand_as(bank)
    return float((bank.float() * weight).sum() / weight.sum())


def majority_disagreement(bank: torch.Tensor, real: Optional[torch.Tensor] = None) -> float:
    """Share of the labels that differ from the majority label of their
    (video, neck, frame) across the ``N_c`` centres, over real frames.

    With ``k`` of ``N_c`` centres at 1 the labels off the majority number
    ``min(k, N_c - k)``: a tie counts ``N_c / 2`` whichever side is called
    the majority. 0 when every centre has the same labels; at most 0.5.

    Args:
        bank: ``V x N_e x N_c x T`` bool label bank.
        real: ``V x T`` bool mask of real frames; None: every frame counts.

    Returns:
        The share in ``[0, 0.5]`` (nan when no frame counts).
    """
    n_c = bank.size(2)
    ones = bank.sum(2, keepdim=True).float()                    # V x N_e x 1 x T
    off = torch.minimum(ones, n_c - ones)
    weight = _real(bank, real).expand_as(off)
    return float((off * weight).sum() / (weight.sum() * n_c))
