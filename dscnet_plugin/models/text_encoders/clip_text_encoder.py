"""A text encoder that runs CLIP's text tower on raw query strings."""
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...registry import TEXT_ENCODERS
from ...vlm.clip_loading import DEFAULT_CLIP, load_clip
from ...vlm.clip_text import project_texts


@TEXT_ENCODERS.register_module()
class CLIPTextEncoder(nn.Module):
    """Sentences -> CLIP text embeddings (``B x D``) in the image space.

    Holds the text tower and ``text_projection`` of a ``transformers``
    ``CLIPModel`` (the image tower is dropped after loading) and its
    tokenizer. The embedding of a sentence is CLIP's own: the final-layer-
    normed state at ``<|endoftext|>`` through ``text_projection``, the same
    vector the feature extractor stores as ``pooler_output``, so a sentence
    encoded here can stand for ``inputs['query_feature']`` of a model trained
    or evaluated on extracted features.

    Needs the ``[vlm]`` extra (``transformers``).

    Args:
        model: A CLIP folder written by ``save_pretrained`` or a hub name.
        trainable: Fine-tune the tower (default ``False``: frozen, always in
            eval mode, run without gradients).
        normalize: L2-normalise the output rows (default ``False``: as
            stored by the extractor; the models normalise).
        device: Where the tower is loaded (default cpu; the runner moves the
            model as usual).
    """

    def __init__(self, model: str = DEFAULT_CLIP, trainable: bool = False,
                 normalize: bool = False,
                 device: Optional[Union[str, torch.device]] = None) -> None:
        super().__init__()
        loaded = load_clip(model, device=device or 'cpu')
        self.source = loaded.source
        self.text_model = loaded.model.text_model
        self.text_projection = loaded.model.text_projection
        self.tokenizer = loaded.tokenizer
        self.out_dim = int(loaded.model.config.projection_dim)
        self.trainable = trainable
        self.normalize = normalize
        self.requires_grad_(trainable)
        self.train(False)

    def train(self, mode: bool = True) -> 'CLIPTextEncoder':
        """A frozen tower stays in eval mode (no dropout)."""
        return super().train(mode and self.trainable)

    @property
    def device(self) -> torch.device:
        return self.text_projection.weight.device

    def encode_tokens(self, sentences: Sequence[str]) -> Dict[str, torch.Tensor]:
        """``pooler_output`` (``B x D``), ``last_hidden_state`` (``B x L x D``,
        every token through ``text_projection``) and ``mask`` (``B x L``
        bool) of ``B`` sentences, with gradients when trainable."""
        with torch.set_grad_enabled(self.trainable and torch.is_grad_enabled()):
            pooled, tokens, mask = project_texts(self, self.tokenizer, sentences, self.device)
        return dict(pooler_output=pooled, last_hidden_state=tokens, mask=mask)

    def forward(self, sentences: Sequence[str]) -> torch.Tensor:
        """Args:
            sentences: ``B`` raw query strings.

        Returns:
            ``B x D`` float32 text embeddings (L2-normalised if
            ``normalize``), on the encoder's device.
        """
        pooled = self.encode_tokens(sentences)['pooler_output'].float()
        return F.normalize(pooled, dim=-1) if self.normalize else pooled

    @torch.no_grad()
    def encode(self, sentences: Sequence[str]) -> torch.Tensor:
        """:meth:`forward` without gradients, for inference: fills
        ``inputs['query_feature']`` (``B x D``) from sentences."""
        return self.forward(sentences)
