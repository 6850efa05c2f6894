"""Foreground attention branch: 1-D convolutions over time."""
from typing import Dict

import torch
import torch.nn as nn

from ...registry import ATTENTION_HEADS
from .masked_ops import masked_softmax


@ATTENTION_HEADS.register_module()
class ForegroundAttentionHead(nn.Module):
    """``num_layers`` Conv1d + ReLU layers give the foreground features
    ``F_tilde`` (``T x d_f``; the triplet loss, Eq. 11, acts on them), and a
    1x1 convolution gives one logit per frame. ``A_fore`` is the sigmoid of
    the logits (default, so that ``h = A_spe A_fore`` of Eq. 12 can reach
    the labels' 0 and 1) or, literally, their softmax over time.

    Args:
        in_dim: ``d_v``.
        hidden_dim: ``d_f``.
        num_layers: Convolution layers before the logit layer.
        kernel_size: Temporal kernel size.
        score_norm: ``'sigmoid'`` or ``'softmax'``.
    """

    def __init__(self, in_dim: int, hidden_dim: int = 256, num_layers: int = 2,
                 kernel_size: int = 3, score_norm: str = 'sigmoid') -> None:
        super().__init__()
        if score_norm not in ('sigmoid', 'softmax'):
            raise ValueError(f"score_norm must be 'sigmoid' or 'softmax', got {score_norm!r}")
        self.score_norm = score_norm
        layers, dim = [], in_dim
        for _ in range(num_layers):
            layers += [nn.Conv1d(dim, hidden_dim, kernel_size, padding=kernel_size // 2),
                       nn.ReLU(inplace=True)]
            dim = hidden_dim
        self.convs = nn.Sequential(*layers)
        self.logit = nn.Conv1d(dim, 1, 1)

    def forward(self, frames: torch.Tensor, mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """
        Args:
            frames: ``B x T x d_v`` frame features ``F``.
            mask: ``B x T`` bool mask of real frames.

        Returns:
            ``features`` (``B x T x d_f``), ``logits`` and ``scores``
            (``B x T``, ``A_fore``).
        """
        x = frames.transpose(1, 2) * mask.unsqueeze(1)
        feats = self.convs(x)
        logits = self.logit(feats).squeeze(1)
        scores = (torch.sigmoid(logits) * mask if self.score_norm == 'sigmoid'
                  else masked_softmax(logits, mask))
        return dict(features=feats.transpose(1, 2), logits=logits, scores=scores)
