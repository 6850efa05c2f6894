"""The projected outputs of CLIP's text tower for raw sentences.

For a sentence of ``L`` tokens (``<|startoftext|>``, the words' BPE tokens,
``<|endoftext|>``; truncated to the tower's context length):

- ``pooler_output`` (``D``): CLIP's text embedding, the final-layer-normed
  state at the ``<|endoftext|>`` token through ``text_projection`` (what
  ``CLIPModel`` compares with image embeddings), not L2-normalised;
- ``last_hidden_state`` (``L x D``): every token's final-layer-normed state
  through the same ``text_projection``, so the tokens live in the image space
  too and the row of ``<|endoftext|>`` equals ``pooler_output``; padding is
  not kept.
"""
from typing import List, Sequence, Tuple

import torch


def tokenize(tokenizer, sentences: Sequence[str], max_length: int,
             device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
    """``B x L`` token ids and attention mask (padded to the longest)."""
    if isinstance(sentences, str):
        raise TypeError('give a sequence of sentences, not one string')
    enc = tokenizer(list(sentences), padding=True, truncation=True, max_length=max_length,
                    return_tensors='pt')
    return enc['input_ids'].to(device), enc['attention_mask'].to(device)


def project_texts(model, tokenizer, sentences: Sequence[str], device: torch.device
                  ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run the text tower of a ``CLIPModel`` (gradients as the caller sets).

    Args:
        model: A ``CLIPModel`` (or any module with ``text_model`` and
            ``text_projection``).
        tokenizer: Its tokenizer.
        sentences: ``B`` raw sentences.
        device: Where the model is.

    Returns:
        ``pooled`` (``B x D``), ``tokens`` (``B x L x D``) and ``mask``
        (``B x L`` bool, real tokens), ``D`` = the projection dim.
    """
    max_length = model.text_model.config.max_position_embeddings
    ids, mask = tokenize(tokenizer, sentences, max_length, device)
    out = model.text_model(input_ids=ids, attention_mask=mask)
    tokens = model.text_projection(out.last_hidden_state)
    pooled = model.text_projection(out.pooler_output)
    return pooled, tokens, mask.bool()


def split_tokens(tokens: torch.Tensor, mask: torch.Tensor) -> List[torch.Tensor]:
    """``B x L x D`` padded states -> ``B`` tensors ``L_i x D`` (real tokens)."""
    return list(torch.split(tokens[mask], mask.sum(1).tolist()))
