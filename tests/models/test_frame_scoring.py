"""DSCNet's per-frame inference scores (``frame_scoring``) against numpy."""
import numpy as np
import pytest
import torch

from dscnet_plugin.models.grounders.frame_scoring import (adjacent_ratios, probability_scores,
                                                          query_scores, softmax_product_scores)


def np_logsigmoid(x):
    return -np.logaddexp(0.0, -x)


def np_peak_one(log_score, mask):
    out = np.zeros_like(log_score)
    for b in range(len(mask)):
        real = log_score[b][mask[b]]
        out[b][mask[b]] = np.exp(real - real.max())
    return out


@pytest.fixture
def logits():
    rng = np.random.default_rng(0)
    spe = [rng.normal(scale=3.0, size=(3, 7)) for _ in range(3)]     # N_e = 3, B = 3, T = 7
    fore = rng.normal(scale=3.0, size=(3, 7))
    mask = np.arange(7)[None] < np.array([7, 5, 2])[:, None]
    for x in spe + [fore]:
        x[~mask] = 1e4                    # padded frames with huge logits change nothing
    return spe, fore, mask


def t(x):
    return torch.as_tensor(x)


@pytest.mark.parametrize('temperature', [1.0, 2.5])
def test_probability_scores_is_peaked_geometric_mean_probability(logits, temperature):
    spe, fore, mask = logits
    log_h = (np.mean([np_logsigmoid(s / temperature) for s in spe], 0)
             + np_logsigmoid(fore / temperature))
    expected = np_peak_one(log_h, mask)
    out = probability_scores([t(s) for s in spe], t(fore), t(mask), temperature)
    assert out.shape == (3, 7)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-15)
    assert (out.numpy()[~mask] == 0).all()
    np.testing.assert_array_equal(out.max(-1).values.numpy(), [1.0, 1.0, 1.0])


@pytest.mark.parametrize('weight', [0.0, 0.5])
def test_probability_scores_weight_the_query_term(logits, weight):
    spe, fore, mask = logits
    log_spe = np.mean([np_logsigmoid(s) for s in spe], 0)
    expected = np_peak_one(weight * log_spe + np_logsigmoid(fore), mask)
    out = probability_scores([t(s) for s in spe], t(fore), t(mask), query_weight=weight)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-15)
    other = probability_scores([t(-3 * s) for s in spe], t(fore), t(mask), query_weight=weight)
    # weight 0: the foreground alone, whatever the query's logits say
    assert torch.equal(out, other) == (weight == 0)


def test_query_scores_weight_needs_the_probability_mode(logits):
    spe, fore, mask = logits
    heads = [dict(logits=t(s)[:, None], scores=torch.sigmoid(t(s))[:, None]) for s in spe]
    fore_out = dict(logits=t(fore), scores=torch.sigmoid(t(fore)))
    torch.testing.assert_close(
        query_scores('probability', heads, fore_out, t(mask), query_weight=0.0),
        probability_scores([t(s) for s in spe], t(fore), t(mask), query_weight=0.0))
    with pytest.raises(ValueError, match="needs score_mode='probability'"):
        query_scores('softmax_product', heads, fore_out, t(mask), query_weight=0.0)


def test_probability_scores_sharper_edge_smaller_adjacent_ratio():
    mask = torch.ones(1, 6, dtype=torch.bool)
    step = torch.tensor([[1.0, 1, 1, -1, -1, -1]], dtype=torch.float64)

    def edge_ratio(sharpness):
        scores = probability_scores([sharpness * step] * 2, 5 * torch.ones_like(step), mask)
        return adjacent_ratios(scores, mask).min().item()

    ratios = [edge_ratio(a) for a in (0.5, 2.0, 6.0)]
    assert ratios[0] > ratios[1] > ratios[2]
    # sigmoid(-a) / sigmoid(a) = exp(-a) for the specific term alone
    assert ratios[2] == pytest.approx(np.exp(-6.0), rel=1e-9)


@pytest.mark.parametrize('temperature', [1.0, 0.1])
def test_softmax_product_scores_is_product_of_masked_softmaxes(logits, temperature):
    spe, fore, mask = logits
    rng = np.random.default_rng(1)
    spe_s = [1 / (1 + np.exp(-s)) for s in spe]            # values in [0, 1]
    fore_s = rng.uniform(size=fore.shape)
    log_joint = np.zeros_like(fore_s)
    for s in spe_s:
        z = s * fore_s / temperature
        for b in range(len(mask)):
            real = z[b][mask[b]]
            log_joint[b][mask[b]] += real - np.log(np.exp(real).sum())
    expected = np_peak_one(log_joint, mask)
    out = softmax_product_scores([t(s) for s in spe_s], t(fore_s), t(mask), temperature)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-15)
    assert (out.numpy()[~mask] == 0).all()
    np.testing.assert_array_equal(out.max(-1).values.numpy(), [1.0, 1.0, 1.0])
    # values in [0, 1]: adjacent frames stay within exp(N_e / tau) of each other
    assert adjacent_ratios(out, t(mask)).min() >= np.exp(-len(spe_s) / temperature) - 1e-12


def test_adjacent_ratios_by_hand_with_padding():
    scores = torch.tensor([[1.0, 0.5, 0.25, 0.0, 0.0, 9.0],
                           [0.2, 0.8, 0.8, 5.0, 0.0, 0.0]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 0],
                         [1, 1, 1, 0, 0, 0]], dtype=torch.bool)
    # video 0: pairs (1, .5), (.5, .25), (.25, 0), (0, 0: no peak, left out);
    #          (0, 9) touches a padded frame. Video 1: (.2, .8), (.8, .8).
    out = adjacent_ratios(scores, mask)
    torch.testing.assert_close(out, torch.tensor([0.5, 0.5, 0.0, 0.25, 1.0]))
