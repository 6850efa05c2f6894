"""DSCNet losses (paper Eq. 1-15) against values computed by hand (numpy /
math loops, not the torch code under test)."""
import math

import numpy as np
import pytest
import torch

from dscnet_plugin.models.losses import (ForegroundTripletLoss, GroundingBCELoss,
                                         NeckDiversityLoss, ReconstructionLoss,
                                         SentenceMSELoss, SpecificAttentionLoss,
                                         cosine_distance)
from dscnet_plugin.registry import LOSSES


def np_cos_dist(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return 1.0 - float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b))


def t64(x):
    return torch.tensor(np.asarray(x), dtype=torch.float64)


# ----------------------------------------------------------------------------
# L_cel (Eq. 1)
# ----------------------------------------------------------------------------
LOGITS = np.array([
    [[2.0, 0.5, -1.0, 0.0], [0.1, 0.2, 0.3, 0.4], [5.0, -5.0, 0.0, 1.0]],
    [[-1.0, 1.0, 0.0, 3.0], [0.0, 0.0, 0.0, 0.0], [9.0, 9.0, 9.0, 9.0]],
])
TOKENS = np.array([[0, 3, 2], [3, 1, 0]])
MASK = np.array([[True, True, True], [True, True, False]])


def ce_by_hand(logits, tokens, mask):
    per_query = []
    for b in range(logits.shape[0]):
        total = 0.0
        for i in range(logits.shape[1]):
            if not mask[b, i]:
                continue
            row = logits[b, i]
            log_z = math.log(sum(math.exp(v) for v in row))
            total += -(row[tokens[b, i]] - log_z)
        per_query.append(total)
    return sum(per_query) / len(per_query)


def test_reconstruction_loss_matches_eq1():
    loss = ReconstructionLoss()(t64(LOGITS), torch.tensor(TOKENS), torch.tensor(MASK))
    assert loss.item() == pytest.approx(ce_by_hand(LOGITS, TOKENS, MASK), rel=1e-10)
    # Sum over tokens, not a mean: the first query (3 tokens) alone
    assert ReconstructionLoss()(t64(LOGITS[:1]), torch.tensor(TOKENS[:1]),
                                torch.tensor(MASK[:1])).item() == pytest.approx(
        ce_by_hand(LOGITS[:1], TOKENS[:1], MASK[:1]), rel=1e-10)


def test_reconstruction_loss_ignores_padding():
    base = ReconstructionLoss()(t64(LOGITS), torch.tensor(TOKENS), torch.tensor(MASK))
    logits = LOGITS.copy()
    logits[1, 2] = [100.0, -100.0, 3.0, 7.0]        # padded position: any scores
    tokens = TOKENS.copy()
    tokens[1, 2] = 1                                # and any target
    other = ReconstructionLoss()(t64(logits), torch.tensor(tokens), torch.tensor(MASK))
    assert other.item() == pytest.approx(base.item(), rel=1e-12)


def test_reconstruction_loss_weight_and_grad():
    logits = t64(LOGITS).requires_grad_(True)
    loss = ReconstructionLoss(loss_weight=0.25)(logits, torch.tensor(TOKENS),
                                                torch.tensor(MASK))
    assert loss.item() == pytest.approx(0.25 * ce_by_hand(LOGITS, TOKENS, MASK), rel=1e-10)
    loss.backward()
    assert torch.isfinite(logits.grad).all()
    assert logits.grad[0].abs().sum() > 0
    assert torch.all(logits.grad[1, 2] == 0)       # padded token gets no gradient


# ----------------------------------------------------------------------------
# L_mse
# ----------------------------------------------------------------------------
def test_sentence_mse_loss():
    r_e = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]])
    r_o = np.array([[1.5, 2.0, 1.0], [1.0, -1.0, 0.0]])
    by_hand = ((r_e - r_o) ** 2).sum() / r_e.size      # (0.25+0+4+1+0+0.25)/6
    assert by_hand == pytest.approx(5.5 / 6)
    r_o_t = t64(r_o).requires_grad_(True)
    loss = SentenceMSELoss(loss_weight=1.0)(t64(r_e), r_o_t)
    assert loss.item() == pytest.approx(by_hand, rel=1e-12)
    assert SentenceMSELoss()(t64(r_e), t64(r_o)).item() == pytest.approx(0.5 * by_hand)
    assert SentenceMSELoss(loss_weight=3.0)(t64(r_e), t64(r_o)).item() == pytest.approx(
        3.0 * by_hand)
    loss.backward()
    np.testing.assert_allclose(r_o_t.grad.numpy(), 2 * (r_o - r_e) / r_e.size)


# ----------------------------------------------------------------------------
# L_dqa (Eq. 2)
# ----------------------------------------------------------------------------
def test_neck_diversity_zero_for_orthogonal_necks_of_norm_sqrt_lambda():
    lam = 0.5
    # N_e = 2 necks in d_e = 3 dims: E E^T = lam I (2 x 2), but E^T E (3 x 3)
    # has a zero eigenvalue, so ||E^T E - lam I|| = lam != 0.
    e = math.sqrt(lam) * np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    loss = NeckDiversityLoss(lambda_=lam, loss_weight=1.0)(t64(e[None]))
    assert loss.item() == pytest.approx(0.0, abs=1e-12)


def test_neck_diversity_is_frobenius_of_ne_gram():
    necks = np.array([
        [[1.0, 2.0, 0.0, 1.0], [0.5, -1.0, 1.0, 0.0], [0.0, 0.0, 2.0, 1.0]],
        [[0.3, 0.1, 0.0, 0.0], [0.0, 0.2, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]],
    ])                                                    # B=2, N_e=3, d_e=4
    lam = 0.7
    vals = []
    for e in necks:
        gram = [[sum(e[a, k] * e[b, k] for k in range(4)) for b in range(3)]
                for a in range(3)]
        vals.append(math.sqrt(sum((gram[a][b] - (lam if a == b else 0.0)) ** 2
                                  for a in range(3) for b in range(3))))
    by_hand = sum(vals) / 2
    x = t64(necks).requires_grad_(True)
    loss = NeckDiversityLoss(lambda_=lam, loss_weight=0.5)(x)
    assert loss.item() == pytest.approx(0.5 * by_hand, rel=1e-10)
    loss.backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


# ----------------------------------------------------------------------------
# L_sab (Eq. 8-10)
# ----------------------------------------------------------------------------
def sab_by_hand(pos, neg, theta, tau1, tau2, centers=None):
    z, n_c = pos.shape[:2]
    centers = range(n_c) if centers is None else centers
    total = 0.0
    for j in centers:
        for v in range(z):
            l_sim = l_dis = 0.0
            d_vn = np_cos_dist(pos[v, j], neg[v, j])
            for u in range(z):
                if u == v:
                    continue
                d_vu = np_cos_dist(pos[v, j], pos[u, j])
                l_sim += max(d_vu - tau1, 0.0)
                l_dis += max(d_vu - d_vn + tau2, 0.0)
            total += l_sim + theta * l_dis
    return total


@pytest.fixture
def sab_inputs():
    rng = np.random.default_rng(3)
    pos = rng.normal(size=(3, 4, 5))               # Z=3 videos, N_c=4 centres, d=5
    neg = rng.normal(size=(3, 4, 5))
    return pos, neg


@pytest.mark.parametrize('theta,tau1,tau2', [(1.0, 1e-4, 1e-4), (0.3, 0.4, 0.9)])
def test_specific_attention_loss_sum_and_mean(sab_inputs, theta, tau1, tau2):
    pos, neg = sab_inputs
    by_hand = sab_by_hand(pos, neg, theta, tau1, tau2)
    assert by_hand > 0
    s = SpecificAttentionLoss(theta, tau1, tau2, reduction='sum', loss_weight=1.0)(
        t64(pos), t64(neg))
    assert s.item() == pytest.approx(by_hand, rel=1e-9)
    m = SpecificAttentionLoss(theta, tau1, tau2, reduction='mean', loss_weight=1.0)(
        t64(pos), t64(neg))
    j, z = 4, 3
    assert m.item() == pytest.approx(by_hand / (j * z * (z - 1)), rel=1e-9)
    w = SpecificAttentionLoss(theta, tau1, tau2, reduction='sum', loss_weight=0.5)(
        t64(pos), t64(neg))
    assert w.item() == pytest.approx(0.5 * by_hand, rel=1e-9)


def test_specific_attention_loss_dis_term_uses_same_video_negative():
    # Two videos, one centre. Positives identical: d(p_v, p_u) = 0, so L_sim
    # = 0 (tau1 > 0) and L_dis = max(0 - d(p_v, n_v) + tau2, 0).
    pos = np.array([[[1.0, 0.0]], [[1.0, 0.0]]])
    neg = np.array([[[0.0, 1.0]], [[1.0, 1.0]]])     # d = 1 and 1 - 1/sqrt(2)
    tau2 = 0.5
    expected = max(-1.0 + tau2, 0) + max(-(1 - 1 / math.sqrt(2)) + tau2, 0)
    assert expected == pytest.approx(0.5 - (1 - 1 / math.sqrt(2)))
    loss = SpecificAttentionLoss(theta=2.0, tau1=0.1, tau2=tau2, reduction='sum',
                                 loss_weight=1.0)(t64(pos), t64(neg))
    assert loss.item() == pytest.approx(2.0 * expected, rel=1e-9)


def test_specific_attention_loss_single_video_is_zero(sab_inputs):
    pos, neg = sab_inputs
    p = t64(pos[:1]).requires_grad_(True)
    loss = SpecificAttentionLoss(loss_weight=1.0)(p, t64(neg[:1]))
    assert loss.item() == 0.0
    loss.backward()                                   # still part of the graph
    assert p.grad is not None and torch.all(p.grad == 0)


def test_specific_attention_loss_center_sampling_reproducible(sab_inputs):
    pos, neg = sab_inputs
    loss_fn = SpecificAttentionLoss(theta=1.0, tau1=0.1, tau2=0.2,
                                    num_sampled_centers=2, reduction='sum', loss_weight=1.0)
    a = loss_fn(t64(pos), t64(neg), torch.Generator().manual_seed(7))
    b = loss_fn(t64(pos), t64(neg), torch.Generator().manual_seed(7))
    assert a.item() == b.item()
    # the subset is J = 2 of the 4 centres: the value is the hand sum over
    # exactly one of the 6 pairs, the one the generator picks
    pick = torch.randperm(4, generator=torch.Generator().manual_seed(7))[:2].tolist()
    assert a.item() == pytest.approx(sab_by_hand(pos, neg, 1.0, 0.1, 0.2, pick), rel=1e-9)
    per_pair = {frozenset(p): sab_by_hand(pos, neg, 1.0, 0.1, 0.2, p)
                for p in [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]}
    assert len(set(round(v, 9) for v in per_pair.values())) == 6
    values = {round(loss_fn(t64(pos), t64(neg),
                            torch.Generator().manual_seed(s)).item(), 9) for s in range(20)}
    assert len(values) > 1                            # the seed matters
    assert values <= set(round(v, 9) for v in per_pair.values())
    # mean divides by the sampled J, not N_c
    mean = SpecificAttentionLoss(theta=1.0, tau1=0.1, tau2=0.2, num_sampled_centers=2,
                                 loss_weight=1.0)(t64(pos), t64(neg),
                                                  torch.Generator().manual_seed(7))
    assert mean.item() == pytest.approx(a.item() / (2 * 3 * 2), rel=1e-9)
    # J >= N_c: every centre
    full = SpecificAttentionLoss(theta=1.0, tau1=0.1, tau2=0.2, num_sampled_centers=9,
                                 reduction='sum', loss_weight=1.0)(t64(pos), t64(neg))
    assert full.item() == pytest.approx(sab_by_hand(pos, neg, 1.0, 0.1, 0.2), rel=1e-9)


def test_specific_attention_loss_grad_and_bad_reduction(sab_inputs):
    pos, neg = sab_inputs
    p, n = t64(pos).requires_grad_(True), t64(neg).requires_grad_(True)
    SpecificAttentionLoss(tau1=0.0, tau2=0.5)(p, n).backward()
    assert torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0
    assert torch.isfinite(n.grad).all() and n.grad.abs().sum() > 0
    with pytest.raises(ValueError):
        SpecificAttentionLoss(reduction='max')


def test_cosine_distance():
    a = t64([[1.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    b = t64([[0.0, 3.0], [1.0, 1.0], [-1.0, 0.0]])
    np.testing.assert_allclose(cosine_distance(a, b).numpy(), [1.0, 0.0, 2.0], atol=1e-12)


# ----------------------------------------------------------------------------
# L_trip (Eq. 11)
# ----------------------------------------------------------------------------
# One video, T = 6 frames in 2-D given by their angle: cosine distances are
# 1 - cos(angle difference), easy to reason about.
ANGLES = np.deg2rad([0.0, 10.0, 60.0, 100.0, 170.0, 30.0])
FEATS = np.stack([np.cos(ANGLES), np.sin(ANGLES)], -1) * np.array(
    [1.0, 2.0, 0.5, 3.0, 1.0, 1.5])[:, None]          # norms must not matter
FG = np.array([True, True, True, False, False, False])


def triplet_by_hand(feats, fg, mask, margin, mining):
    t = len(feats)
    losses = []
    for u in range(t):
        if not (fg[u] and mask[u]):
            continue
        d_pos = [np_cos_dist(feats[u], feats[v]) for v in range(t)
                 if v != u and fg[v] and mask[v]]
        d_neg = [np_cos_dist(feats[u], feats[o]) for o in range(t)
                 if not fg[o] and mask[o]]
        if not d_pos or not d_neg:
            continue
        if mining == 'paper':       # nearest foreground, farthest background
            dp, dn = min(d_pos), max(d_neg)
        else:                       # farthest foreground, nearest background
            dp, dn = max(d_pos), min(d_neg)
        losses.append(max(dp - dn + margin, 0.0))
    return sum(losses) / len(losses) if losses else 0.0


@pytest.mark.parametrize('mining', ['paper', 'hard'])
@pytest.mark.parametrize('margin', [0.5, 1.5])
def test_triplet_loss_mining(mining, margin):
    mask = np.ones(6, bool)
    by_hand = triplet_by_hand(FEATS, FG, mask, margin, mining)
    loss = ForegroundTripletLoss(margin=margin, mining=mining, loss_weight=1.0)(
        t64(FEATS[None]), torch.tensor(FG[None]), torch.tensor(mask[None]))
    assert loss.item() == pytest.approx(by_hand, rel=1e-9, abs=1e-12)


def test_triplet_loss_paper_vs_hard_explicit():
    # anchor 0 (0 deg): fg others 10, 60 deg; bg 100, 170, 30 deg.
    c = lambda deg: 1 - math.cos(math.radians(deg))  # noqa: E731
    margin = 1.5
    paper = [  # (nearest fg, farthest bg) for anchors 0, 1, 2
        max(c(10) - c(170) + margin, 0), max(c(10) - c(160) + margin, 0),
        max(c(50) - c(110) + margin, 0)]
    hard = [  # (farthest fg, nearest bg)
        max(c(60) - c(30) + margin, 0), max(c(50) - c(20) + margin, 0),
        max(c(60) - c(30) + margin, 0)]
    args = (t64(FEATS[None]), torch.tensor(FG[None]), torch.ones(1, 6, dtype=torch.bool))
    assert ForegroundTripletLoss(margin, 'paper', 1.0)(*args).item() == pytest.approx(
        sum(paper) / 3, rel=1e-9)
    assert ForegroundTripletLoss(margin, 'hard', 1.0)(*args).item() == pytest.approx(
        sum(hard) / 3, rel=1e-9)
    assert sum(hard) > sum(paper)


def test_triplet_loss_mask_excludes_frames():
    mask = np.array([True, True, False, True, False, True])  # frames 2 (fg), 4 (bg) out
    margin = 1.0
    by_hand = triplet_by_hand(FEATS, FG, mask, margin, 'paper')
    assert by_hand != pytest.approx(triplet_by_hand(FEATS, FG, np.ones(6, bool), margin,
                                                    'paper'))
    loss_fn = ForegroundTripletLoss(margin=margin, mining='paper', loss_weight=1.0)
    loss = loss_fn(t64(FEATS[None]), torch.tensor(FG[None]), torch.tensor(mask[None]))
    assert loss.item() == pytest.approx(by_hand, rel=1e-9)
    # masked frames' features are irrelevant
    feats = FEATS.copy()
    feats[2] = [-5.0, 0.1]
    feats[4] = [0.3, 9.0]
    other = loss_fn(t64(feats[None]), torch.tensor(FG[None]), torch.tensor(mask[None]))
    assert other.item() == pytest.approx(loss.item(), rel=1e-12)


def test_triplet_loss_batched_averages_over_all_anchors():
    feats = np.stack([FEATS, FEATS[::-1].copy()])
    fg = np.stack([FG, np.array([True, False, False, False, True, True])])
    mask = np.ones((2, 6), bool)
    anchors = []   # one flat list over both videos: the mean is over all anchors
    for b in range(2):
        for u in np.flatnonzero(fg[b]):
            d_pos = [np_cos_dist(feats[b, u], feats[b, v]) for v in np.flatnonzero(fg[b])
                     if v != u]
            d_neg = [np_cos_dist(feats[b, u], feats[b, o]) for o in np.flatnonzero(~fg[b])]
            anchors.append(max(min(d_pos) - max(d_neg) + 0.8, 0.0))
    loss = ForegroundTripletLoss(0.8, 'paper', 1.0)(t64(feats), torch.tensor(fg),
                                                  torch.tensor(mask))
    assert loss.item() == pytest.approx(sum(anchors) / len(anchors), rel=1e-9)


@pytest.mark.parametrize('fg', [
    np.zeros(6, bool),                                  # no foreground
    np.ones(6, bool),                                   # no background
    np.array([True, False, False, False, False, False]),  # single fg: no positive
])
def test_triplet_loss_without_anchor_is_zero(fg):
    x = t64(FEATS[None]).requires_grad_(True)
    loss = ForegroundTripletLoss(0.5, 'paper', 1.0)(x, torch.tensor(fg[None]),
                                                    torch.ones(1, 6, dtype=torch.bool))
    assert loss.item() == 0.0
    loss.backward()
    assert torch.all(x.grad == 0)


def test_triplet_loss_weight_grad_and_bad_mining():
    x = t64(FEATS[None]).requires_grad_(True)
    args = (torch.tensor(FG[None]), torch.ones(1, 6, dtype=torch.bool))
    full = ForegroundTripletLoss(1.5, 'paper', 1.0)(x, *args)
    half = ForegroundTripletLoss(1.5, 'paper', 0.5)(x, *args)
    assert full.item() > 0
    assert half.item() == pytest.approx(0.5 * full.item(), rel=1e-12)
    half.backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    with pytest.raises(ValueError):
        ForegroundTripletLoss(mining='semi')


# ----------------------------------------------------------------------------
# L_cls (Eq. 12-14)
# ----------------------------------------------------------------------------
H = np.array([[[0.9, 0.2, 0.6], [0.1, 0.5, 0.99]]])   # B=1, N_c=2, T=3
Y = np.array([[[1, 0, 1], [0, 1, 0]]])
BCE_MASK = np.array([[True, True, False]])


def bce_by_hand(h, y, mask):
    terms = [-(y[b, j, t] * math.log(h[b, j, t]) + (1 - y[b, j, t]) * math.log(1 - h[b, j, t]))
             for b in range(h.shape[0]) for j in range(h.shape[1]) for t in range(h.shape[2])
             if mask[b, t]]
    return sum(terms), len(terms)


def test_grounding_bce_mean_and_sum():
    total, count = bce_by_hand(H, Y, BCE_MASK)
    assert count == 4
    mean = GroundingBCELoss()(t64(H), torch.tensor(Y), torch.tensor(BCE_MASK))
    assert mean.item() == pytest.approx(total / count, rel=1e-9)
    s = GroundingBCELoss(reduction='sum')(t64(H), torch.tensor(Y), torch.tensor(BCE_MASK))
    assert s.item() == pytest.approx(total, rel=1e-9)
    w = GroundingBCELoss(reduction='sum', loss_weight=2.5)(t64(H), torch.tensor(Y),
                                                           torch.tensor(BCE_MASK))
    assert w.item() == pytest.approx(2.5 * total, rel=1e-9)


def test_grounding_bce_ignores_padded_frames_and_grad():
    h = t64(H).requires_grad_(True)
    base = GroundingBCELoss()(h, torch.tensor(Y), torch.tensor(BCE_MASK))
    y2 = Y.copy()
    y2[0, :, 2] = 1 - y2[0, :, 2]
    other = GroundingBCELoss()(t64(H), torch.tensor(y2), torch.tensor(BCE_MASK))
    assert other.item() == pytest.approx(base.item(), rel=1e-12)
    base.backward()
    assert torch.all(h.grad[0, :, 2] == 0)
    assert torch.all(h.grad[0, :, :2] != 0)
    with pytest.raises(ValueError):
        GroundingBCELoss(reduction='none')


def test_grounding_bce_clamps_zero_and_one():
    h = t64([[[0.0, 1.0]]])
    y = torch.tensor([[[1, 0]]])
    loss = GroundingBCELoss(reduction='sum')(h, y, torch.ones(1, 2, dtype=torch.bool))
    assert math.isfinite(loss.item())
    assert loss.item() == pytest.approx(-2 * math.log(1e-6), rel=1e-6)


@pytest.mark.parametrize('name', ['ReconstructionLoss', 'SentenceMSELoss', 'NeckDiversityLoss',
                                  'SpecificAttentionLoss', 'ForegroundTripletLoss',
                                  'GroundingBCELoss'])
def test_losses_registered_with_weight(name):
    loss = LOSSES.build(dict(type=name, loss_weight=0.125))
    assert type(loss).__name__ == name
    assert loss.loss_weight == 0.125


# ----------------------------------------------------------------------------
# L_sab, pairs='firing': only pairs of videos where centre j fires in both
# ----------------------------------------------------------------------------
def firing_example():
    """3 videos, 2 centres; centre 0 does not fire in video 2. By hand with
    theta = 0.5, tau1 = 0.1, tau2 = 0.2 (d: cosine distance):

    - centre 0, videos 0, 1: p_0 = (1, 0), p_1 = (0, 1), so d(p_0, p_1) = 1;
      n_0 = (1, 0): d(p_0, n_0) = 0; n_1 = (-1, 0): d(p_1, n_1) = 1.
      (0, 1): L_sim = 1 - 0.1 = 0.9, L_dis = 1 - 0 + 0.2 = 1.2 -> 0.9 + 0.6 = 1.5
      (1, 0): L_sim = 0.9, L_dis = 1 - 1 + 0.2 = 0.2 -> 0.9 + 0.1 = 1.0
    - centre 1, fires everywhere, p = n = (1, 1) for all: d = 0, L_sim = 0,
      L_dis = 0.2 -> 0.1 for each of the 6 ordered pairs: 0.6.

    Sum 3.1 over 2 + 6 = 8 valid pairs: mean 0.3875.
    """
    pos = t64([[[1.0, 0.0], [1.0, 1.0]],
               [[0.0, 1.0], [1.0, 1.0]],
               [[-3.0, 7.0], [1.0, 1.0]]])
    neg = t64([[[1.0, 0.0], [1.0, 1.0]],
               [[-1.0, 0.0], [1.0, 1.0]],
               [[2.0, -5.0], [1.0, 1.0]]])
    fires = torch.tensor([[True, True], [True, True], [False, True]])
    return pos, neg, fires


def firing_loss(reduction='mean', **kw):
    return SpecificAttentionLoss(theta=0.5, tau1=0.1, tau2=0.2, reduction=reduction,
                                 pairs='firing', loss_weight=1.0, **kw)


def test_sab_firing_sum_and_mean_by_hand():
    pos, neg, fires = firing_example()
    assert firing_loss('sum')(pos, neg, fires=fires).item() == pytest.approx(3.1, rel=1e-12)
    mean = firing_loss('mean')(pos, neg, fires=fires)
    assert mean.item() == pytest.approx(3.1 / 8, rel=1e-12)
    weighted = SpecificAttentionLoss(theta=0.5, tau1=0.1, tau2=0.2, pairs='firing',
                                     loss_weight=0.5)(pos, neg, fires=fires)
    assert weighted.item() == pytest.approx(0.5 * 3.1 / 8, rel=1e-12)


def test_sab_firing_ignores_pairs_with_a_silent_video():
    pos, neg, fires = firing_example()
    base = firing_loss('sum')(pos, neg, fires=fires)
    g = torch.Generator().manual_seed(0)
    for _ in range(3):      # arbitrary compositions where centre 0 does not fire
        p, n = pos.clone(), neg.clone()
        p[2, 0] = 10 * torch.randn(2, generator=g, dtype=torch.float64)
        n[2, 0] = 10 * torch.randn(2, generator=g, dtype=torch.float64)
        assert firing_loss('sum')(p, n, fires=fires).item() == base.item()
        assert firing_loss('mean')(p, n, fires=fires).item() == pytest.approx(
            base.item() / 8, rel=1e-12)
    # the same change does count when video 2 fires
    p = pos.clone()
    p[2, 0] = t64([1.0, -1.0])
    everywhere = torch.ones_like(fires)
    assert firing_loss('sum')(p, neg, fires=everywhere).item() != \
        firing_loss('sum')(pos, neg, fires=everywhere).item()


def test_sab_firing_without_any_valid_pair_is_zero():
    pos, neg, _ = firing_example()
    fires = torch.tensor([[True, False], [False, False], [False, True]])
    assert firing_loss('mean')(pos, neg, fires=fires).item() == 0.0
    assert firing_loss('sum')(pos, neg, fires=fires).item() == 0.0


def test_sab_all_pairs_is_the_literal_formula(sab_inputs):
    pos, neg = sab_inputs
    by_hand = sab_by_hand(pos, neg, 0.7, 0.2, 0.3)
    loss = SpecificAttentionLoss(0.7, 0.2, 0.3, reduction='sum', pairs='all', loss_weight=1.0)
    assert loss(t64(pos), t64(neg)).item() == pytest.approx(by_hand, rel=1e-9)
    mean = SpecificAttentionLoss(0.7, 0.2, 0.3, pairs='all', loss_weight=1.0)
    assert mean(t64(pos), t64(neg)).item() == pytest.approx(by_hand / (4 * 3 * 2), rel=1e-9)


def test_sab_all_pairs_ignores_fires(sab_inputs):
    pos, neg = sab_inputs
    fires = torch.ones(3, 4, dtype=torch.bool)
    fires[1, 2] = fires[0, 0] = False
    loss = SpecificAttentionLoss(0.7, 0.2, 0.3, reduction='sum', pairs='all', loss_weight=1.0)
    assert loss(t64(pos), t64(neg), fires=fires).item() == pytest.approx(
        sab_by_hand(pos, neg, 0.7, 0.2, 0.3), rel=1e-9)


def test_sab_firing_needs_fires_and_bad_pairs(sab_inputs):
    pos, neg = sab_inputs
    with pytest.raises(ValueError, match="pairs='firing' needs `fires`"):
        SpecificAttentionLoss(pairs='firing')(t64(pos), t64(neg))
    with pytest.raises(ValueError, match="pairs must be 'firing' or 'all'"):
        SpecificAttentionLoss(pairs='some')


@pytest.mark.parametrize('theta,tau2', [(1.0, 1e-4), (0.5, 0.3)])
def test_sab_firing_constant_encoder_pays_theta_tau2_per_pair(theta, tau2):
    # a constant encoder: every frame embedding is the same f, so S^p = f and
    # S^n = ((T - 1) / T) f (Eq. 5-7) in every video: all distances are 0
    z, n_c, t = 4, 3, 10
    f = t64(np.random.default_rng(0).normal(size=6))
    pos = f.expand(z, n_c, 6).clone()
    neg = (t - 1) / t * pos
    fires = torch.tensor([[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 1, 0]], dtype=torch.bool)
    n_valid = 3 * 2 + 3 * 2 + 0                          # firing videos per centre: 3, 3, 1
    kw = dict(theta=theta, tau1=1e-4, tau2=tau2, pairs='firing', loss_weight=1.0)
    mean = SpecificAttentionLoss(**kw)(pos, neg, fires=fires)
    total = SpecificAttentionLoss(reduction='sum', **kw)(pos, neg, fires=fires)
    assert mean.item() == pytest.approx(theta * tau2, rel=1e-9)
    assert total.item() == pytest.approx(n_valid * theta * tau2, rel=1e-9)


# ----------------------------------------------------------------------------
# L_sab, centring='batch': distances between batch-centred compositions
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('pairs', ['all', 'firing'])
def test_sab_centred_constant_encoder_pays_one_per_pair(pairs):
    # the constant encoder of the test above: centred, every composition is
    # the zero vector, whose cosine distance to anything is 1, so each pair
    # pays L_sim = 1 - tau1 and L_dis = 1 - 1 + tau2
    z, n_c = 4, 3
    f = t64(np.random.default_rng(0).normal(size=6))
    pos = f.expand(z, n_c, 6).clone()
    neg = pos.clone()
    fires = torch.tensor([[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 1, 0]], dtype=torch.bool)
    kw = dict(theta=0.5, tau1=1e-4, tau2=0.3, pairs=pairs, loss_weight=1.0)
    centred = SpecificAttentionLoss(centring='batch', **kw)(pos, neg, fires=fires)
    literal = SpecificAttentionLoss(centring='none', **kw)(pos, neg, fires=fires)
    assert centred.item() == pytest.approx(1 - 1e-4 + 0.5 * 0.3, rel=1e-9)
    assert literal.item() == pytest.approx(0.5 * 0.3, rel=1e-9)


def test_sab_centred_is_the_literal_loss_of_the_centred_compositions(sab_inputs):
    # the mean is taken over every S^n and the S^p of the firing (video, centre)
    pos, neg = sab_inputs
    fires = torch.ones(3, 4, dtype=torch.bool)
    fires[0, 1] = fires[2, 3] = False
    p, n = t64(pos), t64(neg)
    mean = (p[fires].sum(0) + n.flatten(0, 1).sum(0)) / (10 + 12)
    kw = dict(theta=0.7, tau1=0.2, tau2=0.3, reduction='sum', pairs='firing', loss_weight=1.0)
    centred = SpecificAttentionLoss(centring='batch', **kw)(p, n, fires=fires)
    literal = SpecificAttentionLoss(**kw)(p - mean, n - mean, fires=fires)
    assert centred.item() == pytest.approx(literal.item(), rel=1e-12)
    # a composition of a silent (video, centre) does not move the mean
    p2 = p.clone()
    p2[0, 1] = 100.0
    assert SpecificAttentionLoss(centring='batch', **kw)(p2, n, fires=fires).item() == \
        pytest.approx(centred.item(), rel=1e-12)
    # and a shift of every composition changes nothing once centred
    shift = t64(np.arange(5.0)) * 10
    assert SpecificAttentionLoss(centring='batch', **kw)(p + shift, n + shift,
                                                         fires=fires).item() == \
        pytest.approx(centred.item(), rel=1e-9)


def test_sab_bad_centring_is_refused():
    with pytest.raises(ValueError, match="centring must be 'none' or 'batch'"):
        SpecificAttentionLoss(centring='video')
