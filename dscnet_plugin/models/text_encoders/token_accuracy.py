"""Reconstruction accuracy of the language module's decoder."""
import torch


def token_accuracy(logits: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Share of the real query tokens whose decoder argmax is the token
    itself, aligned as in ``L_cel`` (Eq. 1): step ``i`` of the decoder
    reconstructs token ``i``.

    Args:
        logits: ``B x L x N_w`` decoder scores.
        tokens: ``B x L`` target token ids.
        mask: ``B x L`` bool mask of real tokens.

    Returns:
        A scalar float tensor in ``[0, 1]`` (nan when no token is real).
    """
    if logits.shape[:2] != tokens.shape or tokens.shape != mask.shape:
        raise ValueError(f'logits {tuple(logits.shape)}, tokens {tuple(tokens.shape)} and '
                         f'mask {tuple(mask.shape)} disagree on B x L')
    mask = mask.bool()
    hits = (logits.argmax(-1) == tokens) & mask
    return hits.sum().float() / mask.sum().float()
