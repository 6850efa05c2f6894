"""Distinct label rows per (video, neck) of a pseudo-label bank."""
import torch


def distinct_label_rows(bank: torch.Tensor, chunk: int = 256) -> torch.Tensor:
    """Number of distinct ``T``-frame label rows among the ``N_c`` centres of
    every (video, neck): 1 when every centre has the same labels, ``N_c``
    when all differ. Padded frames are False in every row, so they do not
    make rows differ.

    Two rows are equal when their Hamming distance ``n_i + n_j - 2 x_i.x_j``
    is 0 (``n``: ones per row; exact in float32 for ``T < 2^24``), from one
    batched ``N_c x N_c`` product per (video, neck).

    Args:
        bank: ``V x N_e x N_c x T`` bool label bank.
        chunk: Videos per step (bounds the memory of the float copy).

    Returns:
        ``V x N_e`` float counts in ``[1, N_c]``.
    """
    if bank.dim() != 4:
        raise ValueError(f'bank must be V x N_e x N_c x T, got shape {tuple(bank.shape)}')
    v, n_e, n_c = bank.shape[:3]
    earlier = torch.ones(n_c, n_c, dtype=torch.bool, device=bank.device).tril(-1)
    counts = [bank.new_zeros(0, n_e, dtype=torch.float)]
    for start in range(0, v, chunk):
        x = bank[start:start + chunk].flatten(0, 1).float()          # b x N_c x T
        common = x @ x.transpose(1, 2)                               # b x N_c x N_c
        ones = common.diagonal(dim1=1, dim2=2)
        same = (ones.unsqueeze(2) + ones.unsqueeze(1) - 2 * common) == 0
        repeated = (same & earlier).any(-1)   # row j equals some row i < j
        counts.append((n_c - repeated.sum(-1)).float().view(-1, n_e))
    return torch.cat(counts)
