"""Specific attention branch: frames against semantic centres (Eq. 4-7)."""
from typing import Dict

import torch
import torch.nn as nn

from ...registry import ATTENTION_HEADS
from .masked_ops import masked_softmax


@ATTENTION_HEADS.register_module()
class SpecificAttentionHead(nn.Module):
    """Projects frames ``F`` and centres ``C^i`` into the joint space
    (``F_hat``: ``T x d_e'``, ``C_hat``: ``N_c x d_e'``), then

    - ``A_spe = softmax_T(C_hat F_hat^T / sqrt(d_e'))`` (Eq. 4; the
      ``1/sqrt(d_e')`` scale keeps the softmax out of saturation at
      ``d_e' = 1024``),
    - ``S^p = A_spe F_hat`` (Eq. 5), ``S^n = ((1 - A_spe) / T) F_hat``
      (Eq. 6-7),
    - the per-frame matching score used in Eq. 12: ``sigmoid`` of the same
      logits (default) or ``A_spe`` itself (``score_norm='softmax'``, the
      literal reading, whose values are ~1/T).

    Centres of different neck indices live in different spaces, so each
    neck index has its own centre projection; the frame projection is shared.
    The centre-labels configs drop the centre projection's bias: with one, distinct
    centres map to nearly the same ``c_hat`` (the bias) whenever their
    projected differences are small, and every centre then scores the frames
    alike (``center_bias=True``, the default, is the plain ``nn.Linear`` of
    the paper's "fully-connected layer").

    Args:
        frame_dim: ``d_v``.
        center_dim: ``d_e``.
        joint_dim: ``d_e'`` (paper: 1024).
        num_necks: ``N_e``.
        score_norm: ``'sigmoid'`` or ``'softmax'``.
        center_bias: Whether the centre projections have a bias.
    """

    def __init__(self, frame_dim: int, center_dim: int, joint_dim: int = 1024,
                 num_necks: int = 4, score_norm: str = 'sigmoid',
                 center_bias: bool = True) -> None:
        super().__init__()
        if score_norm not in ('sigmoid', 'softmax'):
            raise ValueError(f"score_norm must be 'sigmoid' or 'softmax', got {score_norm!r}")
        self.score_norm = score_norm
        self.scale = joint_dim ** -0.5
        self.frame_proj = nn.Linear(frame_dim, joint_dim)
        self.center_projs = nn.ModuleList(nn.Linear(center_dim, joint_dim, bias=center_bias)
                                          for _ in range(num_necks))

    def embed_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """``B x T x d_v`` -> ``F_hat`` ``B x T x d_e'``."""
        return self.frame_proj(frames)

    def embed_centers(self, centers: torch.Tensor, neck: int) -> torch.Tensor:
        """``B' x N_c x d_e`` centres of neck ``neck`` -> ``C_hat``."""
        return self.center_projs[neck](centers)

    def forward(self, frames: torch.Tensor, centers: torch.Tensor, neck: int,
                mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """
        Args:
            frames: ``B x T x d_v`` frame features ``F``.
            centers: ``B x N_c x d_e`` or ``1 x N_c x d_e`` centres ``C^i``.
            neck: Neck index ``i``.
            mask: ``B x T`` bool mask of real frames.

        Returns:
            ``frame_embed`` (``B x T x d_e'``), ``center_embed``
            (``B' x N_c x d_e'``), ``logits`` and ``attention`` (``B x N_c x
            T``), ``pos`` / ``neg`` (``B x N_c x d_e'``) and ``scores``
            (``B x N_c x T`` in [0, 1]).
        """
        f_hat = self.embed_frames(frames)
        c_hat = self.embed_centers(centers, neck)
        logits = torch.einsum('bkd,btd->bkt', c_hat.expand(f_hat.size(0), -1, -1),
                              f_hat) * self.scale
        m = mask.unsqueeze(1)
        attn = masked_softmax(logits, m)
        length = mask.sum(-1, keepdim=True).clamp(min=1).unsqueeze(-1).to(attn.dtype)
        neg_attn = (1.0 - attn) * m / length
        scores = torch.sigmoid(logits) * m if self.score_norm == 'sigmoid' else attn
        return dict(frame_embed=f_hat, center_embed=c_hat, logits=logits,
                    attention=attn, pos=attn @ f_hat, neg=neg_attn @ f_hat,
                    scores=scores)
