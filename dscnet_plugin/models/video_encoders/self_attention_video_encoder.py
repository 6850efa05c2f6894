"""Video feature encoding: projection + multi-head self-attention."""
from typing import Optional

import torch
import torch.nn as nn

from ...registry import MODELS


@MODELS.register_module()
class SelfAttentionVideoEncoder(nn.Module):
    """Pre-extracted clip features (C3D, I3D...) -> frame-wise features ``F``.

    ``Linear(D, d_v) -> ReLU`` then ``num_layers`` post-norm (or pre-norm) self-attention
    blocks (multi-head attention + residual + LayerNorm, a feed-forward
    layer + residual + LayerNorm), padded frames masked out.

    Args:
        in_dim: ``D`` of the input features (4096 for C3D fc6/fc7).
        embed_dim: ``d_v``.
        num_heads: Attention heads.
        num_layers: Self-attention blocks.
        dropout: Dropout inside the blocks.
        norm_first: Pre-norm blocks (LayerNorm before attention and the
            feed-forward layer, the residual sum left unnormalised) instead
            of post-norm (the default).
    """

    def __init__(self, in_dim: int, embed_dim: int = 512, num_heads: int = 8,
                 num_layers: int = 1, dropout: float = 0.0, norm_first: bool = False) -> None:
        super().__init__()
        self.proj = nn.Sequential(nn.Linear(in_dim, embed_dim), nn.ReLU(inplace=True))
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(embed_dim, num_heads, 2 * embed_dim, dropout,
                                       batch_first=True, norm_first=norm_first)
            for _ in range(num_layers))

    def forward(self, feats: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """
        Args:
            feats: ``B x T x D`` clip features.
            mask: ``B x T`` bool mask of real frames.

        Returns:
            ``B x T x d_v`` frame-wise features ``F``.
        """
        x = self.proj(feats)
        pad = None if mask is None else ~mask
        for block in self.blocks:
            x = block(x, src_key_padding_mask=pad)
        return x
