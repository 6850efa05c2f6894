"""Smooth-inverse-frequency sentence vectors from word vectors."""
import torch


def sif_sentence_vectors(tokens: torch.Tensor, mask: torch.Tensor, embedding: torch.Tensor,
                         a: float = 1e-3, first_word: int = 2) -> torch.Tensor:
    """Weighted mean word vectors of ``M`` queries (Arora et al., ICLR 2017,
    without the removal of the common component): word ``w`` weighs
    ``a / (a + p(w))`` with ``p(w)`` its frequency among these queries'
    tokens, so words that every query has ("person", "the") count little
    and the words that tell queries apart (verbs, objects) count most.

    Args:
        tokens: ``M x L`` token ids.
        mask: ``M x L`` bool real tokens.
        embedding: ``N_w x d_w`` word vectors of the vocabulary.
        a: The smoothing constant.
        first_word: Lowest id of a real word (padding and ``<unk>`` below).

    Returns:
        ``M x d_w`` vectors (zero for a query without a known word).
    """
    valid = mask & (tokens >= first_word)
    counts = torch.bincount(tokens[valid], minlength=embedding.size(0)).to(embedding.dtype)
    share = counts / counts.sum().clamp(min=1)
    weight = a / (a + share[tokens]) * valid
    total = (weight.unsqueeze(-1) * embedding[tokens]).sum(1)
    return total / valid.sum(1, keepdim=True).clamp(min=1).to(embedding.dtype)
