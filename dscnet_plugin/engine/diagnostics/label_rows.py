"""Distinct label rows per (video, neck) of a pseudo-label bank."""
import torch

#: Bits packed into one int64 word (63: the sign bit stays clear).
_BITS = 63


def pack_rows(rows: torch.Tensor) -> torch.Tensor:
    """Pack bool rows into int64 words, one-to-one (equal rows <=> equal words).

    Args:
        rows: ``... x T`` bool.

    Returns:
        ``... x W`` int64 with ``W = ceil(T / 63)``.
    """
    t = rows.size(-1)
    words = -(-t // _BITS)
    padded = torch.nn.functional.pad(rows.to(torch.int64), (0, words * _BITS - t))
    weights = torch.pow(2, torch.arange(_BITS, device=rows.device, dtype=torch.int64))
    return (padded.unflatten(-1, (words, _BITS)) * weights).sum(-1)


def distinct_label_rows(bank: torch.Tensor, chunk: int = 256) -> torch.Tensor:
    """Number of distinct ``T``-frame label rows among the ``N_c`` centres of
    every (video, neck): 1 when every centre has the same labels, ``N_c``
    when all differ. Padded frames are False in every row, so they do not
    make rows differ.

    Args:
        bank: ``V x N_e x N_c x T`` bool label bank.
        chunk: Videos per step (bounds the memory of the packing).

    Returns:
        ``V x N_e`` float counts in ``[1, N_c]`` (``V x N_e`` zeros when
        ``N_c = 0``).
    """
    if bank.dim() != 4:
        raise ValueError(f'bank must be V x N_e x N_c x T, got shape {tuple(bank.shape)}')
    n_c = bank.size(2)
    earlier = torch.ones(n_c, n_c, dtype=torch.bool, device=bank.device).tril(-1)
    counts = []
    for start in range(0, bank.size(0), chunk):
        words = pack_rows(bank[start:start + chunk])                 # v x N_e x N_c x W
        same = (words.unsqueeze(-2) == words.unsqueeze(-3)).all(-1)  # v x N_e x N_c x N_c
        repeated = (same & earlier).any(-1)   # row j equals some row i < j
        counts.append((n_c - repeated.sum(-1)).float())
    if not counts:
        return bank.new_zeros(0, bank.size(1), dtype=torch.float)
    return torch.cat(counts)
