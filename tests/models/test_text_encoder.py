"""LSTMNeckAutoEncoder: the language semantic mining module."""
import numpy as np
import pytest
import torch

from dscnet_plugin.models.losses import ReconstructionLoss
from dscnet_plugin.models.text_encoders import LSTMNeckAutoEncoder
from dscnet_plugin.models.text_encoders.lstm_neck_autoencoder import last_hidden
from dscnet_plugin.registry import TEXT_ENCODERS

V, DW, DR, NE, DE = 11, 6, 8, 4, 5


def make(**kw):
    torch.manual_seed(0)
    args = dict(vocab_size=V, word_dim=DW, hidden_dim=DR, num_layers=2, num_necks=NE,
                neck_dim=DE)
    args.update(kw)
    return LSTMNeckAutoEncoder(**args)


TOKENS = torch.tensor([[2, 3, 4, 0, 0], [5, 6, 7, 8, 9], [10, 2, 0, 0, 0]])
MASK = TOKENS != 0


def test_output_shapes():
    enc = make()
    out = enc(TOKENS, MASK)
    assert out['necks'].shape == (3, NE, DE)
    assert out['logits'].shape == (3, 5, V)
    assert out['r_e'].shape == (3, DR)
    assert out['r_o'].shape == (3, DR)
    enc_only = enc.encode(TOKENS, MASK)
    assert set(enc_only) == {'r_e', 'necks'}
    torch.testing.assert_close(enc_only['necks'], out['necks'])


def test_r_o_is_concatenation_of_per_neck_mlps():
    enc = make()
    out = enc(TOKENS, MASK)
    chunk = DR // NE
    for i in range(NE):
        torch.testing.assert_close(out['r_o'][:, i * chunk:(i + 1) * chunk],
                                   enc.unneck_mlps[i](out['necks'][:, i]))
        torch.testing.assert_close(out['necks'][:, i], enc.neck_mlps[i](out['r_e']))


def test_given_embedding_is_copied_and_frozen():
    emb = np.random.default_rng(0).normal(size=(V, DW)).astype(np.float32)
    enc = make(embedding=emb)
    np.testing.assert_array_equal(enc.embed.weight.detach().numpy(), emb)
    assert not enc.embed.weight.requires_grad
    emb[3] = 99.0                                        # a copy, not a view
    assert not np.allclose(enc.embed.weight[3].detach().numpy(), 99.0)
    params = [n for n, p in enc.named_parameters() if p.requires_grad]
    assert 'embed.weight' not in params and params
    # training does not move it
    before = enc.embed.weight.detach().clone()
    opt = torch.optim.SGD([p for p in enc.parameters() if p.requires_grad], lr=0.5)
    out = enc(TOKENS, MASK)
    ReconstructionLoss()(out['logits'], TOKENS, MASK).backward()
    opt.step()
    torch.testing.assert_close(enc.embed.weight.detach(), before, rtol=0, atol=0)


def test_embedding_trainable_without_pretrained_vectors():
    assert make().embed.weight.requires_grad


def test_r_e_is_lstm_output_at_last_real_token():
    enc = make()
    r_e = enc.encode(TOKENS, MASK)['r_e']
    outputs, _ = enc.encoder(enc.embed(TOKENS))
    lengths = MASK.sum(1)
    for b in range(3):
        torch.testing.assert_close(r_e[b], outputs[b, lengths[b] - 1])
    # not the last position of the padded sequence
    assert not torch.allclose(r_e[0], outputs[0, -1])


def test_padding_after_length_does_not_change_necks():
    enc = make()
    base = enc.encode(TOKENS, MASK)['necks']
    noisy = TOKENS.clone()
    noisy[0, 3:] = torch.tensor([7, 9])
    noisy[2, 2:] = torch.tensor([1, 5, 6])
    out = enc.encode(noisy, MASK)['necks']
    torch.testing.assert_close(out, base)
    # ... but a real token does
    changed = TOKENS.clone()
    changed[0, 1] = 9
    assert not torch.allclose(enc.encode(changed, MASK)['necks'][0], base[0])


def test_last_hidden_clamps_empty():
    out = torch.arange(2 * 3 * 2, dtype=torch.float32).view(2, 3, 2)
    got = last_hidden(out, torch.tensor([0, 3]))
    torch.testing.assert_close(got, torch.stack([out[0, 0], out[1, 2]]))


def test_hidden_dim_must_be_divisible_by_num_necks():
    with pytest.raises(ValueError, match='divisible'):
        make(hidden_dim=10, num_necks=4)


def test_registered():
    enc = TEXT_ENCODERS.build(dict(type='LSTMNeckAutoEncoder', vocab_size=V, word_dim=DW,
                                   hidden_dim=DR, num_necks=2, neck_dim=3))
    assert isinstance(enc, LSTMNeckAutoEncoder) and enc.num_necks == 2 and enc.neck_dim == 3


def test_adam_steps_reduce_reconstruction_loss():
    enc = make(hidden_dim=16)
    tokens = torch.tensor([[2, 3, 4, 5], [6, 7, 0, 0], [8, 9, 10, 0], [3, 2, 0, 0]])
    mask = tokens != 0
    loss_fn = ReconstructionLoss()
    opt = torch.optim.Adam(enc.parameters(), lr=3e-2)
    losses = []
    for _ in range(40):
        loss = loss_fn(enc(tokens, mask)['logits'], tokens, mask)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
