"""Sentence vectors from word vectors: SIF-weighted or content-word means."""
from typing import Optional

import torch

WEIGHTINGS = ('sif', 'content')


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


def content_word_vectors(tokens: torch.Tensor, mask: torch.Tensor, embedding: torch.Tensor,
                         stop: torch.Tensor, first_word: int = 2) -> torch.Tensor:
    """Plain mean of the word vectors of each query's content words (known
    words that are not stop words; all known words when a query has no
    other). Unlike :func:`sif_sentence_vectors` a query's vector does not
    depend on the other queries it is computed with, and a frequent verb or
    object weighs as much as a rare one.

    Args:
        tokens: ``M x L`` token ids.
        mask: ``M x L`` bool real tokens.
        embedding: ``N_w x d_w`` word vectors of the vocabulary.
        stop: ``(N_w,)`` bool, True for the stop words' ids.
        first_word: Lowest id of a real word.

    Returns:
        ``M x d_w`` vectors (zero for a query without a known word).
    """
    known = mask & (tokens >= first_word)
    content = known & ~stop[tokens]
    use = torch.where(content.any(1, keepdim=True), content, known).to(embedding.dtype)
    total = (use.unsqueeze(-1) * embedding[tokens]).sum(1)
    return total / use.sum(1, keepdim=True).clamp(min=1)


def sentence_vectors(weighting: str, tokens: torch.Tensor, mask: torch.Tensor,
                     embedding: torch.Tensor, stop: Optional[torch.Tensor] = None
                     ) -> torch.Tensor:
    """``M x d_w`` vectors of ``M`` queries by ``weighting`` (``'sif'`` or
    ``'content'``, which needs ``stop``)."""
    if weighting == 'content':
        if stop is None:
            raise ValueError("weighting='content' needs the stop-word mask `stop`")
        return content_word_vectors(tokens, mask, embedding, stop)
    return sif_sentence_vectors(tokens, mask, embedding)
