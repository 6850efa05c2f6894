"""Specific attention in a shared vision-language space (DSCNet-VLM)."""
from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...registry import ATTENTION_HEADS
from .masked_ops import masked_softmax


@ATTENTION_HEADS.register_module()
class SharedSpaceHead(nn.Module):
    """The specific attention branch (Eq. 4-7) when frames and centres live
    in one vision-language space: the centres (and, at inference, the query)
    are the VLM's own text features and are not projected, and the frames
    are mapped into the text side of the space by a learned linear map.

    - ``f_hat = (f - mean_t f) W``: each frame minus its video's mean real
      frame (what a whole video shares, e.g. its look and the image side of
      the modality gap, says nothing of a moment), times ``W`` (``D x D``,
      initialised to the identity, so the untrained head is the VLM's own
      cosine);
    - ``c_hat = c``;
    - logits ``cos(c_hat, f_hat) / temperature``; ``A_spe`` is their softmax
      over the frames (Eq. 4), ``S^p``, ``S^n`` as Eq. 5-7, and the matching
      score ``sigmoid(logits)``.

    Centres are only compared with frames here, never projected, so a query
    the training never saw is scored exactly as the centres were.

    Args:
        frame_dim: ``D`` of the frames (the VLM space).
        center_dim: ``D`` of the centres; must equal ``frame_dim``.
        num_necks: ``N_e`` (one map per neck index).
        temperature: Divides the cosines (CLIP's learned value is 0.01).
        center_frames: Subtract each video's mean real frame.
    """

    def __init__(self, frame_dim: int, center_dim: int, num_necks: int = 1,
                 temperature: float = 0.05, center_frames: bool = True) -> None:
        super().__init__()
        if frame_dim != center_dim:
            raise ValueError(f'SharedSpaceHead compares frames and centres in one space: '
                             f'frame_dim {frame_dim} != center_dim {center_dim}')
        if temperature <= 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        self.temperature = temperature
        self.center_frames = center_frames
        self.frame_maps = nn.ParameterList(
            nn.Parameter(torch.eye(frame_dim)) for _ in range(num_necks))

    def embed_frames(self, frames: torch.Tensor, mask: Optional[torch.Tensor] = None,
                     neck: int = 0) -> torch.Tensor:
        """``B x T x D`` frames -> ``F_hat`` ``B x T x D`` (0 on padded
        frames when ``mask`` is given)."""
        if mask is not None:
            m = mask.unsqueeze(-1).to(frames.dtype)
            if self.center_frames:
                mean = (frames * m).sum(1, keepdim=True) / m.sum(1, keepdim=True).clamp(min=1)
                frames = frames - mean
            frames = frames * m
        return frames @ self.frame_maps[neck]

    def embed_centers(self, centers: torch.Tensor, neck: int = 0) -> torch.Tensor:
        """``C_hat = C`` (the VLM's text features are not projected)."""
        return centers

    def forward(self, frames: torch.Tensor, centers: torch.Tensor, neck: int,
                mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """
        Args:
            frames: ``B x T x D`` frame features.
            centers: ``B x N_c x D`` or ``1 x N_c x D`` centres.
            neck: Neck index.
            mask: ``B x T`` bool real frames.

        Returns:
            As :class:`SpecificAttentionHead`: ``frame_embed``,
            ``center_embed``, ``logits``, ``attention``, ``pos``, ``neg``
            and ``scores`` (``B x N_c x T``).
        """
        f_hat = self.embed_frames(frames, mask, neck)
        c_hat = self.embed_centers(centers, neck)
        cos = torch.einsum('bkd,btd->bkt', F.normalize(c_hat, dim=-1, eps=1e-8).expand(
            f_hat.size(0), -1, -1), F.normalize(f_hat, dim=-1, eps=1e-8))
        logits = cos / self.temperature
        m = mask.unsqueeze(1)
        attn = masked_softmax(logits, m)
        length = mask.sum(-1, keepdim=True).clamp(min=1).unsqueeze(-1).to(attn.dtype)
        neg_attn = (1.0 - attn) * m / length
        return dict(frame_embed=f_hat, center_embed=c_hat, logits=logits, attention=attn,
                    pos=attn @ f_hat, neg=neg_attn @ f_hat,
                    scores=torch.sigmoid(logits) * m)
