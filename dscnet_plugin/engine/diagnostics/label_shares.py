"""Foreground share and disagreement across centres of a pseudo-label bank."""
from typing import Optional

import torch


def _check(bank: torch.Tensor, real: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
    """``real`` on the bank's device (checked to be ``V x T``)."""
    if bank.dim() != 4:
        raise ValueError(f'bank must be V x N_e x N_c x T, got shape {tuple(bank.shape)}')
    if real is None:
        return None
    if real.shape != (bank.size(0), bank.size(-1)):
        raise ValueError(f'real must be V x T = {(bank.size(0), bank.size(-1))}, '
                         f'got {tuple(real.shape)}')
    return real.to(bank.device, torch.bool)


def foreground_share(bank: torch.Tensor, real: Optional[torch.Tensor] = None) -> float:
    """Share of the labels over real frames that are 1 (foreground).

    Args:
        bank: ``V x N_e x N_c x T`` bool label bank.
        real: ``V x T`` bool mask of real frames; None: every frame counts.

    Returns:
        The share in ``[0, 1]`` (nan when no frame counts).
    """
    real = _check(bank, real)
    if real is None:
        return bank.count_nonzero().item() / bank.numel() if bank.numel() else float('nan')
    labels = (bank & real[:, None, None]).count_nonzero().item()
    total = real.count_nonzero().item() * bank.size(1) * bank.size(2)
    return labels / total if total else float('nan')


def majority_disagreement(bank: torch.Tensor, real: Optional[torch.Tensor] = None,
                          chunk: int = 256) -> float:
    """Share of the labels that differ from the majority label of their
    (video, neck, frame) across the ``N_c`` centres, over real frames.

    With ``k`` of ``N_c`` centres at 1 the labels off the majority number
    ``min(k, N_c - k)``: a tie counts ``N_c / 2`` whichever side is called
    the majority. 0 when every centre has the same labels; at most 0.5.

    Args:
        bank: ``V x N_e x N_c x T`` bool label bank.
        real: ``V x T`` bool mask of real frames; None: every frame counts.
        chunk: Videos per step.

    Returns:
        The share in ``[0, 0.5]`` (nan when no frame counts).
    """
    real = _check(bank, real)
    n_c = bank.size(2)
    off = 0
    for start in range(0, bank.size(0), chunk):
        ones = bank[start:start + chunk].to(torch.uint8).sum(2, dtype=torch.int32)  # v x N_e x T
        minority = torch.minimum(ones, n_c - ones)
        if real is not None:
            minority = minority * real[start:start + chunk, None]
        off += int(minority.sum())
    frames = bank.size(0) * bank.size(-1) if real is None else real.count_nonzero().item()
    total = frames * bank.size(1) * n_c
    return off / total if total else float('nan')
