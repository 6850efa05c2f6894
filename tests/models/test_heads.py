"""Attention heads of the video module (Eq. 4-7, A_fore) and masked_softmax."""
import math

import pytest
import torch

from dscnet_plugin.models.heads import (ForegroundAttentionHead, SpecificAttentionHead,
                                        masked_softmax)
from dscnet_plugin.registry import ATTENTION_HEADS

B, T, DV, DE, DJ, NE, NC = 3, 7, 5, 4, 6, 3, 2


@pytest.fixture
def inputs():
    g = torch.Generator().manual_seed(0)
    frames = torch.randn(B, T, DV, generator=g, dtype=torch.float64)
    centers = torch.randn(B, NC, DE, generator=g, dtype=torch.float64)
    lengths = torch.tensor([7, 4, 1])
    mask = torch.arange(T)[None] < lengths[:, None]
    return frames, centers, mask


def make_spe(score_norm='sigmoid'):
    torch.manual_seed(0)
    return SpecificAttentionHead(DV, DE, joint_dim=DJ, num_necks=NE,
                                 score_norm=score_norm).double()


# ----------------------------------------------------------------------------
# masked_softmax
# ----------------------------------------------------------------------------
def test_masked_softmax_by_hand():
    logits = torch.tensor([[1.0, 2.0, 3.0, 100.0]])
    mask = torch.tensor([[True, True, True, False]])
    out = masked_softmax(logits, mask)
    z = math.exp(1) + math.exp(2) + math.exp(3)
    torch.testing.assert_close(out, torch.tensor([[math.exp(1) / z, math.exp(2) / z,
                                                   math.exp(3) / z, 0.0]]))


def test_masked_softmax_all_masked_row_is_zero_and_broadcast():
    logits = torch.randn(2, 3, 4)
    mask = torch.tensor([[True, False, True, True], [False, False, False, False]])
    out = masked_softmax(logits, mask.unsqueeze(1))
    assert torch.all(out[1] == 0)
    torch.testing.assert_close(out[0].sum(-1), torch.ones(3))
    assert torch.all(out[0, :, 1] == 0)
    assert torch.isfinite(out).all()
    # along another dim: softmax over the rows of a column
    col_mask = torch.tensor([[True], [False], [True]])
    out_rows = masked_softmax(logits[0], col_mask, dim=0)
    torch.testing.assert_close(out_rows.sum(0), torch.ones(4))
    assert torch.all(out_rows[1] == 0)


# ----------------------------------------------------------------------------
# SpecificAttentionHead
# ----------------------------------------------------------------------------
def test_specific_head_shapes(inputs):
    frames, centers, mask = inputs
    out = make_spe()(frames, centers, 1, mask)
    assert out['frame_embed'].shape == (B, T, DJ)
    assert out['center_embed'].shape == (B, NC, DJ)
    for k in ('logits', 'attention', 'scores'):
        assert out[k].shape == (B, NC, T)
    assert out['pos'].shape == (B, NC, DJ) and out['neg'].shape == (B, NC, DJ)


def test_specific_attention_rows_sum_to_one_over_real_frames(inputs):
    frames, centers, mask = inputs
    attn = make_spe()(frames, centers, 0, mask)['attention']
    torch.testing.assert_close(attn.sum(-1), torch.ones(B, NC, dtype=torch.float64))
    assert torch.all(attn.masked_select(~mask[:, None].expand_as(attn)) == 0)
    assert torch.all(attn[2, :, 0] == 1)               # one real frame


def test_specific_attention_is_eq4_scaled(inputs):
    frames, centers, mask = inputs
    head = make_spe()
    out = head(frames, centers, 2, mask)
    f_hat = frames @ head.frame_proj.weight.T + head.frame_proj.bias
    c_hat = centers @ head.center_projs[2].weight.T + head.center_projs[2].bias
    torch.testing.assert_close(out['frame_embed'], f_hat)
    torch.testing.assert_close(out['center_embed'], c_hat)
    for b in range(B):
        n = int(mask[b].sum())
        logits = c_hat[b] @ f_hat[b, :n].T / math.sqrt(DJ)
        torch.testing.assert_close(out['logits'][b, :, :n], logits)
        torch.testing.assert_close(out['attention'][b, :, :n], torch.softmax(logits, -1))


def test_specific_pos_and_neg_by_hand(inputs):
    frames, centers, mask = inputs
    out = make_spe()(frames, centers, 0, mask)
    a, f = out['attention'], out['frame_embed']
    for b in range(B):
        n = int(mask[b].sum())
        for j in range(NC):
            pos = sum(a[b, j, t] * f[b, t] for t in range(n))     # Eq. 5
            neg = sum((1 - a[b, j, t]) / n * f[b, t] for t in range(n))  # Eq. 6-7, T real
            torch.testing.assert_close(out['pos'][b, j], pos)
            torch.testing.assert_close(out['neg'][b, j], neg)
    torch.testing.assert_close(out['pos'], a @ f)


def test_specific_padded_frames_do_not_matter(inputs):
    frames, centers, mask = inputs
    head = make_spe()
    base = head(frames, centers, 1, mask)
    noisy = frames.clone()
    noisy[~mask] = 50.0
    other = head(noisy, centers, 1, mask)
    for k in ('attention', 'pos', 'neg', 'scores'):
        torch.testing.assert_close(other[k], base[k])


def test_specific_per_neck_centre_projections_differ(inputs):
    frames, centers, mask = inputs
    head = make_spe()
    assert len(head.center_projs) == NE
    c = [head.embed_centers(centers, i) for i in range(NE)]
    assert not torch.allclose(c[0], c[1]) and not torch.allclose(c[1], c[2])
    a0 = head(frames, centers, 0, mask)['attention']
    a1 = head(frames, centers, 1, mask)['attention']
    assert not torch.allclose(a0, a1)
    # the frame projection is shared
    torch.testing.assert_close(head(frames, centers, 0, mask)['frame_embed'],
                               head(frames, centers, 2, mask)['frame_embed'])


def test_specific_shared_centres_broadcast(inputs):
    frames, centers, mask = inputs
    head = make_spe()
    shared = centers[:1]                                # 1 x N_c x d_e
    out = head(frames, shared, 0, mask)
    assert out['attention'].shape == (B, NC, T)
    rep = head(frames, shared.expand(B, -1, -1), 0, mask)
    for k in ('attention', 'pos', 'neg', 'scores'):
        torch.testing.assert_close(out[k], rep[k])
    assert out['center_embed'].shape == (1, NC, DJ)


def test_specific_score_norm(inputs):
    frames, centers, mask = inputs
    sig = make_spe('sigmoid')(frames, centers, 0, mask)
    soft = make_spe('softmax')(frames, centers, 0, mask)
    m = mask[:, None].expand(-1, NC, -1)
    torch.testing.assert_close(sig['scores'], torch.sigmoid(sig['logits']) * m)
    torch.testing.assert_close(soft['scores'], soft['attention'])
    torch.testing.assert_close(soft['scores'].sum(-1), torch.ones(B, NC, dtype=torch.float64))
    assert not torch.allclose(sig['scores'], soft['scores'])
    assert torch.all(sig['scores'][~m] == 0)
    assert (sig['scores'] >= 0).all() and (sig['scores'] <= 1).all()
    with pytest.raises(ValueError):
        SpecificAttentionHead(DV, DE, score_norm='tanh')


def test_specific_head_backward(inputs):
    frames, centers, mask = inputs
    head = make_spe()
    out = head(frames, centers, 1, mask)
    (out['pos'].sum() + out['neg'].sum() + out['scores'].sum()).backward()
    assert head.frame_proj.weight.grad.abs().sum() > 0
    assert head.center_projs[1].weight.grad.abs().sum() > 0
    assert head.center_projs[0].weight.grad is None


# ----------------------------------------------------------------------------
# ForegroundAttentionHead
# ----------------------------------------------------------------------------
def make_fore(score_norm='sigmoid', **kw):
    torch.manual_seed(1)
    return ForegroundAttentionHead(DV, hidden_dim=8, score_norm=score_norm, **kw).double()


def test_foreground_head_shapes_and_sigmoid(inputs):
    frames, _, mask = inputs
    out = make_fore()(frames, mask)
    assert out['features'].shape == (B, T, 8)
    assert out['logits'].shape == (B, T) and out['scores'].shape == (B, T)
    torch.testing.assert_close(out['scores'], torch.sigmoid(out['logits']) * mask)
    assert torch.all(out['scores'][~mask] == 0)


def test_foreground_head_softmax_sums_to_one(inputs):
    frames, _, mask = inputs
    out = make_fore('softmax')(frames, mask)
    torch.testing.assert_close(out['scores'].sum(-1), torch.ones(B, dtype=torch.float64))
    assert torch.all(out['scores'][~mask] == 0)
    torch.testing.assert_close(out['scores'][0], torch.softmax(out['logits'][0], -1))
    with pytest.raises(ValueError):
        ForegroundAttentionHead(DV, score_norm='relu')


def test_foreground_head_padded_values_do_not_matter(inputs):
    frames, _, mask = inputs
    head = make_fore()
    base = head(frames, mask)
    noisy = frames.clone()
    noisy[~mask] = -30.0
    other = head(noisy, mask)
    torch.testing.assert_close(other['scores'], base['scores'])
    torch.testing.assert_close(other['features'][mask], base['features'][mask])


def test_foreground_head_is_temporal_convolution(inputs):
    frames, _, _ = inputs
    head = make_fore(num_layers=1, kernel_size=3)
    mask = torch.ones(B, T, dtype=torch.bool)
    base = head(frames, mask)['features']
    changed = frames.clone()
    changed[0, 3] += 1.0
    out = head(changed, mask)['features']
    diff = (out - base).abs().sum(-1)[0]
    assert (diff[2:5] > 0).all()                         # receptive field 3
    assert torch.all(diff[:2] == 0) and torch.all(diff[5:] == 0)
    assert torch.all(out[1:] == base[1:])


def test_heads_registered():
    spe = ATTENTION_HEADS.build(dict(type='SpecificAttentionHead', frame_dim=3,
                                     center_dim=2, joint_dim=4, num_necks=5))
    assert isinstance(spe, SpecificAttentionHead) and len(spe.center_projs) == 5
    fore = ATTENTION_HEADS.build(dict(type='ForegroundAttentionHead', in_dim=3))
    assert isinstance(fore, ForegroundAttentionHead)


# ----------------------------------------------------------------------------
# center_bias=False: a bias-free centre projection
# ----------------------------------------------------------------------------
def pairwise_cosine(x):
    u = torch.nn.functional.normalize(x, dim=-1)
    cos = u @ u.transpose(-1, -2)
    off = ~torch.eye(x.size(-2), dtype=torch.bool)
    return cos[..., off]


def test_specific_head_center_bias_option():
    with_bias = SpecificAttentionHead(DV, DE, joint_dim=DJ, num_necks=NE)
    without = SpecificAttentionHead(DV, DE, joint_dim=DJ, num_necks=NE, center_bias=False)
    assert all(p.bias is not None for p in with_bias.center_projs)
    assert all(p.bias is None for p in without.center_projs)
    assert without.frame_proj.bias is not None            # only the centres lose it
    names = {n for n, _ in without.named_parameters()}
    assert not any(n.startswith('center_projs') and n.endswith('bias') for n in names)
    built = ATTENTION_HEADS.build(dict(type='SpecificAttentionHead', frame_dim=3,
                                       center_dim=2, joint_dim=4, num_necks=2,
                                       center_bias=False))
    assert all(p.bias is None for p in built.center_projs)


def test_specific_head_huge_bias_makes_centres_alike_without_bias_not(inputs):
    _, centers, _ = inputs                                  # B x N_c x d_e, distinct
    centers = torch.cat([centers[:1], torch.randn(1, 4, DE, dtype=torch.float64,
                                                  generator=torch.Generator().manual_seed(1))],
                        1)                                  # 1 x 6 x d_e
    torch.manual_seed(0)
    biased = SpecificAttentionHead(DV, DE, joint_dim=DJ, num_necks=NE).double()
    with torch.no_grad():
        biased.center_projs[1].bias.copy_(
            100.0 * torch.randn(DJ, generator=torch.Generator().manual_seed(2)))
    free = SpecificAttentionHead(DV, DE, joint_dim=DJ, num_necks=NE, center_bias=False).double()
    with torch.no_grad():
        free.center_projs[1].weight.copy_(biased.center_projs[1].weight)
    c_biased = biased.embed_centers(centers, 1)
    c_free = free.embed_centers(centers, 1)
    torch.testing.assert_close(c_biased - biased.center_projs[1].bias, c_free)
    assert pairwise_cosine(c_biased[0]).min() > 0.99        # every centre ~ the bias
    assert pairwise_cosine(c_free[0]).min() < 0.5           # the centres stay apart
