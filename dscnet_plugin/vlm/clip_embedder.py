"""Embed frames and sentences with a frozen ``transformers`` CLIP."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F

from .clip_loading import DEFAULT_CLIP, LoadedClip, load_clip
from .clip_text import project_texts, split_tokens


class CLIPEmbedder:
    """CLIP's image and text towers, frozen, in eval mode.

    Args:
        model: A folder written by ``save_pretrained`` or a hub name
            (default ``openai/clip-vit-base-patch32``).
        device: Where the model runs (default: cuda when available, else cpu).
        batch_size: Frames (or sentences) per forward pass.
        loaded: An already loaded :class:`~dscnet_plugin.vlm.clip_loading.LoadedClip`
            (then ``model`` and ``device`` are ignored).

    Raises:
        ModelLoadError: ``model`` does not load as a CLIP model (its message
            names it).
    """

    def __init__(self, model: str = DEFAULT_CLIP,
                 device: Optional[Union[str, torch.device]] = None,
                 batch_size: int = 64, loaded: Optional[LoadedClip] = None) -> None:
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self.clip = loaded if loaded is not None else load_clip(model, device)
        self.batch_size = batch_size

    @property
    def dim(self) -> int:
        """``D``, the dimension of the shared (projected) space."""
        return int(self.clip.model.config.projection_dim)

    @property
    def device(self) -> torch.device:
        return self.clip.device

    @torch.no_grad()
    def embed_images(self, frames: torch.Tensor) -> torch.Tensor:
        """Image embeddings of frames, L2-normalised.

        Args:
            frames: ``N x H x W x 3`` uint8 RGB frames (any size: resized
                and centre-cropped as the model's preprocessing says).

        Returns:
            ``N x D`` float32 on the cpu, unit-norm rows (the image tower's
            pooled output through ``visual_projection``).
        """
        model, out = self.clip.model, []
        for start in range(0, frames.size(0), self.batch_size):
            batch = frames[start:start + self.batch_size].to(self.device)
            pixels = self.clip.preprocessing(batch)
            pooled = model.vision_model(pixel_values=pixels).pooler_output
            out.append(F.normalize(model.visual_projection(pooled).float(), dim=-1).cpu())
        if not out:
            return torch.zeros(0, self.dim)
        return torch.cat(out)

    @torch.no_grad()
    def embed_texts(self, sentences: Sequence[str]) -> List[Dict[str, np.ndarray]]:
        """Projected text features of each sentence (see
        :mod:`dscnet_plugin.vlm.clip_text`).

        Returns:
            One dict per sentence: ``pooler_output`` (``D``) and
            ``last_hidden_state`` (``L_i x D``, its real tokens), float32
            numpy arrays, not normalised (the readers / models normalise).
        """
        sentences = list(sentences)
        out: List[Dict[str, np.ndarray]] = []
        for start in range(0, len(sentences), self.batch_size):
            pooled, tokens, mask = project_texts(
                self.clip.model, self.clip.tokenizer,
                sentences[start:start + self.batch_size], self.device)
            pooled = pooled.float().cpu().numpy()
            for row, states in zip(pooled, split_tokens(tokens.float(), mask)):
                out.append(dict(pooler_output=row, last_hidden_state=states.cpu().numpy()))
        return out
