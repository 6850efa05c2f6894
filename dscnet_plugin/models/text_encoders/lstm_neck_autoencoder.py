"""Language semantic mining: LSTM encoder -> N_e necks -> LSTM decoder."""
from typing import Dict, Optional

import numpy as np
import torch
import torch.nn as nn

from ...registry import TEXT_ENCODERS


def two_layer_perceptron(in_dim: int, hidden_dim: int, out_dim: int) -> nn.Sequential:
    """Linear -> ReLU -> Linear."""
    return nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.ReLU(inplace=True),
                         nn.Linear(hidden_dim, out_dim))


def last_hidden(outputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``B x L x H`` LSTM outputs -> ``B x H`` output at the last real token."""
    idx = (lengths.clamp(min=1) - 1).view(-1, 1, 1).expand(-1, 1, outputs.size(2))
    return outputs.gather(1, idx).squeeze(1)


@TEXT_ENCODERS.register_module()
class LSTMNeckAutoEncoder(nn.Module):
    """The language semantic mining module of DSCNet.

    Encoder: frozen word vectors ``W`` (``L x d_w``) -> 2-layer LSTM -> the
    last hidden state ``r_e`` (``d_r``) -> ``N_e`` separate two-layer
    perceptrons -> necks ``E`` (``N_e x d_e``). Decoder: ``N_e`` two-layer
    perceptrons (``d_e -> d_r / N_e``) whose outputs are concatenated into
    ``r_o`` (``d_r``), fed as the input of every step of a 2-layer LSTM,
    then a linear layer over the query-set vocabulary.

    Args:
        vocab_size: ``N_w``, size of the query-set vocabulary.
        word_dim: ``d_w``.
        hidden_dim: ``d_r``, LSTM hidden size (paper: 512).
        num_layers: LSTM layers (paper: 2).
        num_necks: ``N_e`` (paper: 4 Charades-STA, 8 ActivityNet).
        neck_dim: ``d_e``.
        embedding: Optional ``N_w x d_w`` initial word vectors (GloVe); the
            embedding is frozen when given.
    """

    def __init__(self, vocab_size: int, word_dim: int = 300, hidden_dim: int = 512,
                 num_layers: int = 2, num_necks: int = 4, neck_dim: int = 256,
                 embedding: Optional[np.ndarray] = None) -> None:
        super().__init__()
        if hidden_dim % num_necks:
            raise ValueError(f'hidden_dim {hidden_dim} must be divisible by '
                             f'num_necks {num_necks} (r_o is their concatenation)')
        self.num_necks = num_necks
        self.neck_dim = neck_dim
        self.embed = nn.Embedding(vocab_size, word_dim, padding_idx=0)
        if embedding is not None:
            self.embed.weight.data.copy_(torch.as_tensor(embedding, dtype=torch.float32))
            self.embed.weight.requires_grad_(False)
        self.encoder = nn.LSTM(word_dim, hidden_dim, num_layers, batch_first=True)
        self.neck_mlps = nn.ModuleList(
            two_layer_perceptron(hidden_dim, hidden_dim, neck_dim) for _ in range(num_necks))
        self.unneck_mlps = nn.ModuleList(
            two_layer_perceptron(neck_dim, hidden_dim, hidden_dim // num_necks)
            for _ in range(num_necks))
        self.decoder = nn.LSTM(hidden_dim, hidden_dim, num_layers, batch_first=True)
        self.classifier = nn.Linear(hidden_dim, vocab_size)

    def encode(self, tokens: torch.Tensor, mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Necks of a batch of queries.

        Args:
            tokens: ``B x L`` token ids (0 = padding).
            mask: ``B x L`` bool mask of real tokens.

        Returns:
            ``r_e`` (``B x d_r``) and ``necks`` (``B x N_e x d_e``).
        """
        outputs, _ = self.encoder(self.embed(tokens))
        r_e = last_hidden(outputs, mask.sum(1))
        necks = torch.stack([mlp(r_e) for mlp in self.neck_mlps], dim=1)
        return dict(r_e=r_e, necks=necks)

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Encode and reconstruct.

        Returns:
            ``r_e`` (``B x d_r``), ``necks`` (``B x N_e x d_e``), ``r_o``
            (``B x d_r``) and ``logits`` (``B x L x N_w``).
        """
        out = self.encode(tokens, mask)
        r_o = torch.cat([mlp(out['necks'][:, i]) for i, mlp in enumerate(self.unneck_mlps)],
                        dim=1)
        steps = r_o.unsqueeze(1).expand(-1, tokens.size(1), -1)
        decoded, _ = self.decoder(steps)
        out.update(r_o=r_o, logits=self.classifier(decoded))
        return out
