"""SelfAttentionVideoEncoder: projection + masked self-attention."""
import pytest
import torch

from dscnet_plugin.models.video_encoders import SelfAttentionVideoEncoder
from dscnet_plugin.registry import MODELS


def make(num_layers=2):
    torch.manual_seed(0)
    return SelfAttentionVideoEncoder(in_dim=6, embed_dim=8, num_heads=2,
                                     num_layers=num_layers, dropout=0.0)


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    feats = torch.randn(3, 7, 6, generator=g)
    mask = torch.arange(7)[None] < torch.tensor([7, 5, 2])[:, None]
    return feats, mask


def test_output_shape(batch):
    feats, mask = batch
    enc = make()
    assert enc(feats, mask).shape == (3, 7, 8)
    assert enc(feats).shape == (3, 7, 8)
    assert len(enc.blocks) == 2


@pytest.mark.parametrize('train', [True, False])
def test_padded_frames_do_not_influence_real_frames(batch, train):
    feats, mask = batch
    enc = make()
    enc.train(train)
    with torch.set_grad_enabled(train):
        base = enc(feats, mask)
        noisy = feats.clone()
        noisy[~mask] = torch.randn(int((~mask).sum()), 6) * 100
        out = enc(noisy, mask)
    torch.testing.assert_close(out[mask], base[mask], rtol=1e-5, atol=1e-5)
    # the same video alone, unpadded
    alone = enc(feats[1:2, :5], mask[1:2, :5])
    torch.testing.assert_close(base[1, :5], alone[0], rtol=1e-5, atol=1e-5)


def test_real_frames_attend_to_each_other(batch):
    feats, mask = batch
    enc = make(num_layers=1).eval()
    base = enc(feats, mask)
    changed = feats.clone()
    changed[0, 6] += 3.0
    out = enc(changed, mask)
    assert not torch.allclose(out[0, 0], base[0, 0])    # context from another frame
    torch.testing.assert_close(out[1:], base[1:])       # no cross-talk between videos


def test_without_mask_padding_leaks(batch):
    feats, mask = batch
    enc = make().eval()
    noisy = feats.clone()
    noisy[~mask] = 100.0
    assert not torch.allclose(enc(noisy)[1, :5], enc(feats)[1, :5])


def test_registered_and_backward(batch):
    feats, mask = batch
    enc = MODELS.build(dict(type='SelfAttentionVideoEncoder', in_dim=6, embed_dim=8,
                            num_heads=2))
    assert isinstance(enc, SelfAttentionVideoEncoder)
    enc(feats, mask)[mask].sum().backward()
    assert enc.proj[0].weight.grad.abs().sum() > 0


@pytest.mark.parametrize('norm_first', [False, True])
def test_norm_first_leaves_the_residual_sum_unnormalised(batch, norm_first):
    feats, mask = batch
    torch.manual_seed(0)
    enc = SelfAttentionVideoEncoder(feats.size(-1), embed_dim=16, num_heads=2,
                                    norm_first=norm_first).eval()
    block = enc.blocks[0]
    assert block.norm_first is norm_first
    with torch.no_grad():                  # attention and feed-forward branches output 0
        for layer in (block.self_attn.out_proj, block.linear2):
            layer.weight.zero_()
            layer.bias.zero_()
        proj = enc.proj(feats)
        out = enc(feats, mask)

    def norm(x):
        return torch.nn.functional.layer_norm(x, (16,), eps=1e-5)

    expected = proj if norm_first else norm(norm(proj))    # post-norm: norm1, then norm2
    torch.testing.assert_close(out, expected)
