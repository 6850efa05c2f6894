"""Softmax over time with padded frames excluded."""
import torch


def masked_softmax(logits: torch.Tensor, mask: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax of ``logits`` along ``dim`` where ``mask`` is False counts as
    ``-inf`` (``mask`` broadcasts to ``logits``)."""
    filled = logits.masked_fill(~mask, torch.finfo(logits.dtype).min)
    return torch.softmax(filled, dim=dim) * mask
