"""EncoderSpreadLoss (docs/method.md, reading 27): a scale-free ceiling on
the mean pairwise cosine of the encoder's frames."""
import itertools

import pytest
import torch
import torch.nn.functional as F

from dscnet_plugin.engine.diagnostics import mean_pairwise_cosine
from dscnet_plugin.models.losses import EncoderSpreadLoss, pairwise_cosine_mean
from tests.models import test_component_swaps as swaps
from tests.models.test_component_swaps import build, prepare, tiny_batch

data_cfg = swaps.data_cfg


def brute_force_cosine(feats, mask):
    x = [f for f, m in zip(feats.reshape(-1, feats.size(-1)), mask.reshape(-1)) if m]
    pairs = [F.cosine_similarity(a, b, dim=0) for a, b in itertools.permutations(x, 2)]
    return torch.stack(pairs).mean()


def test_mean_cosine_is_the_mean_over_distinct_real_pairs_and_ignores_padding():
    g = torch.Generator().manual_seed(0)
    feats = torch.randn(3, 5, 4, generator=g, dtype=torch.float64)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], dtype=torch.bool)
    expected = brute_force_cosine(feats, mask)
    torch.testing.assert_close(pairwise_cosine_mean(feats, mask), expected)
    padded = feats.clone()
    padded[~mask] = 1e3                                     # padding must not count
    torch.testing.assert_close(pairwise_cosine_mean(padded, mask), expected)
    assert mean_pairwise_cosine(padded, mask) == pytest.approx(float(expected), abs=1e-12)


def test_constant_frames_pay_one_minus_the_ceiling_whatever_their_scale():
    mask = torch.ones(2, 6, dtype=torch.bool)
    common = torch.tensor([3.0, -1.0, 2.0, 0.5])
    loss = EncoderSpreadLoss(max_cosine=0.8, loss_weight=2.0)
    constant = common.expand(2, 6, 4).clone()
    assert loss(constant, mask).item() == pytest.approx(2.0 * 0.2, abs=1e-6)
    # a large common vector plus small variations: as collapsed as the cosine sees it
    g = torch.Generator().manual_seed(1)
    wiggle = torch.randn(2, 6, 4, generator=g) * 1e-3
    small, large = loss(constant + wiggle, mask), loss(1e4 * (constant + wiggle), mask)
    assert small.item() == pytest.approx(0.4, abs=1e-4)
    torch.testing.assert_close(small, large, rtol=1e-4, atol=1e-6)


def test_spread_frames_cost_nothing_and_get_no_gradient():
    frames = torch.eye(6).reshape(2, 3, 6).requires_grad_()   # orthogonal: cosine 0
    mask = torch.ones(2, 3, dtype=torch.bool)
    out = EncoderSpreadLoss(max_cosine=0.5)(frames, mask)
    out.backward()
    assert out.item() == 0.0
    assert torch.count_nonzero(frames.grad) == 0


def test_a_step_on_the_loss_spreads_collapsed_frames():
    g = torch.Generator().manual_seed(2)
    frames = (torch.ones(2, 8, 5) + 0.05 * torch.randn(2, 8, 5, generator=g)).requires_grad_()
    mask = torch.ones(2, 8, dtype=torch.bool)
    loss = EncoderSpreadLoss(max_cosine=0.8)
    before = loss(frames, mask)
    before.backward()
    with torch.no_grad():
        stepped = frames - 1.0 * frames.grad
    assert pairwise_cosine_mean(stepped, mask) < pairwise_cosine_mean(frames.detach(), mask)
    assert loss(stepped, mask) < before


def test_fewer_than_two_real_frames_give_a_zero_with_a_graph():
    frames = torch.randn(1, 4, 3, requires_grad=True)
    mask = torch.tensor([[True, False, False, False]])
    out = EncoderSpreadLoss()(frames, mask)
    out.backward()
    assert out.item() == 0.0 and frames.grad is not None


@pytest.mark.parametrize('rho', [1.0, -1.0, 1.5])
def test_bad_ceiling_is_refused(rho):
    with pytest.raises(ValueError, match='max_cosine'):
        EncoderSpreadLoss(max_cosine=rho)


def test_the_model_adds_the_term_on_its_encoder_frames(data_cfg):
    full = swaps.tiny_cfg(data_cfg)['video_losses']
    spread = dict(type='EncoderSpreadLoss', max_cosine=-0.5, loss_weight=1.0)  # always active
    model = build(data_cfg, video_losses=dict(full, spread=spread))
    inputs, samples = tiny_batch(model)
    prepare(model, inputs)
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_cls', 'loss_sab', 'loss_trip', 'loss_spread'}
    feats, mask = inputs['video_feature'], inputs['video_mask'].bool()
    with torch.no_grad():
        frames = model.encode_frames(feats, mask)
    expected = pairwise_cosine_mean(frames, mask) + 0.5
    torch.testing.assert_close(losses['loss_spread'].detach(), expected)
    losses['loss_spread'].backward()
    grads = [p.grad for p in model.video_encoder.parameters() if p.grad is not None]
    assert grads and any(torch.count_nonzero(gr) for gr in grads)
