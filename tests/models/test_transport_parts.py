"""The parts of the transport link (issue 11, ``docs/method.md`` readings
23-24): Otsu thresholds and the deviation activity cut, content-word
vectors, moment descriptors, entropic Gromov-Wasserstein and the
``TransportAligner``, and the run/IoU helpers of the temperature fit."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dscnet_plugin.models.aligners import TransportAligner, best_gromov_wasserstein
from dscnet_plugin.models.aligners.gromov_wasserstein import centred_cosine_distances
from dscnet_plugin.models.grounders.temperature_fit import (
    activity_runs, longest_runs, span_iou, top_segments)
from dscnet_plugin.models.labellers import (ActivitySplitLabeller, DeviationActivityLabeller,
                                            otsu_thresholds)
from dscnet_plugin.models.labellers.deviation_activity_labeller import drop_short_runs
from dscnet_plugin.models.text_encoders.sif_vectors import (content_word_vectors,
                                                            sentence_vectors)
from dscnet_plugin.registry import CROSS_MODAL_ALIGNERS, PSEUDO_LABELLERS


# ----------------------------------------------------------------------------
# Otsu and the deviation activity cut
# ----------------------------------------------------------------------------
def brute_otsu(values):
    """Threshold (smallest value of the upper class) maximising w0 w1 (m0 - m1)^2
    over the splits of the sorted values; the first maximum wins."""
    s = np.sort(np.asarray(values, dtype=np.float64))
    n, best, thr = len(s), -1.0, None
    for i in range(1, n):
        w0, w1 = i / n, 1 - i / n
        score = w0 * w1 * (s[:i].mean() - s[i:].mean()) ** 2
        if score > best * (1 + 1e-9) or best < 0:  # relative: the values may be tiny
            best, thr = score, s[i]
    return thr


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(st.floats(0, 10, allow_nan=False, width=32), min_size=2,
                              max_size=12), min_size=1, max_size=4))
def test_otsu_matches_brute_force_on_the_real_entries(rows):
    t = max(len(r) for r in rows)
    values = torch.zeros(len(rows), t, dtype=torch.float64)
    mask = torch.zeros(len(rows), t, dtype=torch.bool)
    for k, r in enumerate(rows):
        values[k, :len(r)] = torch.tensor(r, dtype=torch.float64)
        values[k, len(r):] = 1e6               # padding must not count
        mask[k, :len(r)] = True
    thr = otsu_thresholds(values, mask)
    for k, r in enumerate(rows):
        expected = brute_otsu(r)
        # equal scores at different splits may pick either threshold: compare the split
        got = np.sort(r) >= float(thr[k])
        want = np.sort(r) >= expected
        if not np.array_equal(got, want):
            s = np.sort(np.asarray(r, dtype=np.float64))
            score = lambda i: (i / len(s)) * (1 - i / len(s)) * (  # noqa: E731
                s[:i].mean() - s[i:].mean()) ** 2
            assert score(int((~got).sum())) == pytest.approx(score(int((~want).sum())))


def test_otsu_row_with_one_real_entry_has_no_threshold():
    thr = otsu_thresholds(torch.tensor([[3.0, 0.0]]), torch.tensor([[True, False]]))
    assert thr[0] == float('inf')


def planted_videos():
    """Two videos: a constant background plus an offset on frames 3-5 (video
    0) and on frames 1-2 and 6-7 (video 1, which has 9 real frames of 10)."""
    g = torch.Generator().manual_seed(0)
    feats = torch.randn(2, 10, 5, generator=g) * 0.05 + 1.0
    feats[0, 3:6] += torch.tensor([2.0, 0, 0, 0, 0])
    feats[1, 1:3] += torch.tensor([0, 2.0, 0, 0, 0])
    feats[1, 6:8] += torch.tensor([0, 0, 2.0, 0, 0])
    mask = torch.ones(2, 10, dtype=torch.bool)
    mask[1, 9] = False
    feats[1, 9] = 50.0                          # padding far away: ignored
    return feats, mask


def test_deviation_labeller_finds_the_planted_actions_and_ignores_padding():
    feats, mask = planted_videos()
    act = PSEUDO_LABELLERS.build(dict(type='DeviationActivityLabeller'))(feats, None, mask)
    assert act.shape == (2, 1, 10) and act.dtype == torch.bool
    expected = torch.zeros(2, 10, dtype=torch.bool)
    expected[0, 3:6] = True
    expected[1, 1:3] = expected[1, 6:8] = True   # both actions, whatever they show
    assert torch.equal(act[:, 0], expected)


def test_deviation_labeller_min_frames_and_centres():
    active = torch.tensor([[True, False, True, True, False, True, True, True]])
    assert torch.equal(drop_short_runs(active, 2),
                       torch.tensor([[False, False, True, True, False, True, True, True]]))
    assert torch.equal(drop_short_runs(active, 3),
                       torch.tensor([[False, False, False, False, False, True, True, True]]))
    feats, mask = planted_videos()
    with pytest.raises(ValueError, match='centre-free'):
        DeviationActivityLabeller()(feats, torch.zeros(1, 2, 5), mask)


def test_moment_descriptors_are_run_means_of_the_centred_frames():
    feats, mask = planted_videos()
    split = ActivitySplitLabeller(activity=dict(type='DeviationActivityLabeller'),
                                  min_moment_frames=2)
    rows, video = split.moment_descriptors(feats, mask)
    assert video.tolist() == [0, 1, 1]          # video then time order
    act = split.activity(feats, mask)
    x = ActivitySplitLabeller.centred(feats, act, mask)
    torch.testing.assert_close(rows[0], x[0, 3:6].mean(0))
    torch.testing.assert_close(rows[1], x[1, 1:3].mean(0))
    torch.testing.assert_close(rows[2], x[1, 6:8].mean(0))
    split.min_moment_frames = 3                 # the 2-frame runs are no moments
    rows, video = split.moment_descriptors(feats, mask)
    assert video.tolist() == [0]


# ----------------------------------------------------------------------------
# content-word vectors
# ----------------------------------------------------------------------------
def test_content_word_vectors_average_the_non_stop_words():
    emb = torch.tensor([[0.0, 0], [9, 9], [1, 0], [0, 1], [4, 4]])
    stop = torch.tensor([False, False, True, False, False])       # id 2 a stop word
    tokens = torch.tensor([[2, 3, 4, 0], [2, 2, 1, 0], [3, 0, 0, 0]])
    mask = tokens > 0
    out = content_word_vectors(tokens, mask, emb, stop)
    torch.testing.assert_close(out[0], (emb[3] + emb[4]) / 2)        # plain mean, no weights
    torch.testing.assert_close(out[1], emb[2])                     # only stop words: all known
    # a query's vector does not depend on the queries beside it (SIF's does)
    torch.testing.assert_close(content_word_vectors(tokens[2:], mask[2:], emb, stop), out[2:])
    assert not torch.allclose(sentence_vectors('sif', tokens[:1], mask[:1], emb),
                              sentence_vectors('sif', tokens, mask, emb)[:1])
    with pytest.raises(ValueError, match='stop'):
        sentence_vectors('content', tokens, mask, emb)


# ----------------------------------------------------------------------------
# Gromov-Wasserstein and the transport aligner
# ----------------------------------------------------------------------------
def planted_isometry(n_actions=6, seed=0):
    """Text points of ``n_actions`` actions with unequal frequencies and a
    visual side that is a rotated, permuted, noisy copy of them."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n_actions, 5))
    counts = np.arange(1, n_actions + 1) * 3                       # 3, 6, ... queries
    action = np.repeat(np.arange(n_actions), counts)
    text = base[action] + rng.normal(scale=0.05, size=(len(action), 5))
    rot = np.linalg.qr(rng.normal(size=(7, 7)))[0][:, :5]          # 5 -> 7, isometric
    order = rng.permutation(len(action))
    vis_action = action[order]
    visual = base[vis_action] @ rot.T + rng.normal(scale=0.05, size=(len(action), 7))
    return (torch.as_tensor(text), torch.as_tensor(visual), torch.as_tensor(action),
            torch.as_tensor(vis_action))


def test_gromov_wasserstein_couples_isometric_sets_by_action():
    text, visual, action, vis_action = planted_isometry()
    coupling, obj = best_gromov_wasserstein(centred_cosine_distances(text),
                                            centred_cosine_distances(visual), restarts=4,
                                            generator=torch.Generator().manual_seed(0))
    n = len(action)
    torch.testing.assert_close(coupling.sum(1), torch.full((n,), 1 / n, dtype=coupling.dtype))
    torch.testing.assert_close(coupling.sum(0), torch.full((n,), 1 / n, dtype=coupling.dtype))
    # the mass of each query goes to moments of its own action
    same = (action[:, None] == vis_action[None]).to(coupling.dtype)
    assert float((coupling * same).sum()) > 0.95
    assert obj >= 0


def test_transport_aligner_gives_each_group_its_actions_prototype():
    text, visual, action, vis_action = planted_isometry(seed=1)
    groups = torch.stack([action, (action + 1) % 6])               # 2 necks, other ids
    aligner = CROSS_MODAL_ALIGNERS.build(dict(type='TransportAligner', restarts=4))
    protos = aligner(visual, text, groups, num_clusters=6)
    assert protos.shape == (2, 6, 7)
    torch.testing.assert_close(protos.norm(dim=-1), torch.ones(2, 6, dtype=protos.dtype))
    centred = visual - visual.mean(0)
    truth = torch.stack([centred[vis_action == a].mean(0) for a in range(6)])
    truth = truth / truth.norm(dim=-1, keepdim=True)
    for neck in range(2):
        for a in range(6):
            j = int(groups[neck][action == a][0])
            assert int((protos[neck, j] @ truth.T).argmax()) == a


def symmetric_clusters(n_actions=6, seed=0):
    """Text points of ``n_actions`` equally frequent actions around random
    centres, and a visual side whose actions sit at equal distances from
    one another (orthogonal centres): every matching of the actions fits
    the geometry equally well, so no coupling is pinned down."""
    rng = np.random.default_rng(seed)
    action = np.repeat(np.arange(n_actions), 8)
    noise = rng.normal(scale=0.05, size=(len(action), 5))
    text = rng.normal(size=(n_actions, 5))[action] + noise
    visual = 3 * np.eye(n_actions, 9)[rng.permutation(action)] + rng.normal(
        scale=0.05, size=(len(action), 9))
    return torch.as_tensor(text), torch.as_tensor(visual), torch.as_tensor(action)


def test_transport_aligner_check_reproduces_a_pinned_coupling_only():
    text, visual, action, _ = planted_isometry(seed=1)
    groups = action.expand(1, -1)
    aligner = TransportAligner(restarts=4, check_restarts=4)
    assert aligner.agreement is None
    protos = aligner(visual, text, groups, num_clusters=6)
    assert aligner.agreement > 0.9
    # the check leaves the prototypes as they were
    torch.testing.assert_close(protos, TransportAligner(restarts=4)(visual, text, groups, 6))
    text, visual, action = symmetric_clusters()
    aligner(visual, text, action.expand(1, -1), num_clusters=6)
    assert aligner.agreement < 0.5


def test_best_gromov_wasserstein_without_the_product_start():
    text, visual, _, _ = planted_isometry()
    c1, c2 = centred_cosine_distances(text), centred_cosine_distances(visual)
    with pytest.raises(ValueError, match='no start for'):
        best_gromov_wasserstein(c1, c2, restarts=0, with_product=False)
    product, _ = best_gromov_wasserstein(c1, c2, restarts=0, outer=1)
    random, _ = best_gromov_wasserstein(c1, c2, restarts=1, with_product=False, outer=1,
                                        generator=torch.Generator().manual_seed(0))
    assert not torch.allclose(product, random)


def test_transport_aligner_samples_evenly_and_needs_two_points():
    aligner = TransportAligner(max_points=4)
    assert aligner._sample(3).tolist() == [0, 1, 2]
    assert aligner._sample(10).tolist() == [0, 3, 6, 9]
    with pytest.raises(ValueError, match='cannot be coupled'):
        aligner(torch.randn(1, 3), torch.randn(5, 2), torch.zeros(1, 5, dtype=torch.long), 2)
    with pytest.raises(ValueError, match='check_restarts must be'):
        TransportAligner(check_restarts=0)


# ----------------------------------------------------------------------------
# runs and IoU of the temperature fit
# ----------------------------------------------------------------------------
def test_longest_runs_and_span_iou():
    labels = torch.tensor([[0, 1, 1, 0, 1, 1, 1, 0], [0, 0, 0, 0, 0, 0, 0, 0],
                           [1, 0, 0, 0, 0, 0, 0, 1]], dtype=torch.bool)
    start, end = longest_runs(labels)
    assert start.tolist() == [4, 0, 0] and end.tolist() == [6, -1, 0]
    iou = span_iou(torch.tensor([[0.4, 0.7], [0.0, 0.4]]), torch.tensor([[0.5, 0.8], [0.4, 0.8]]))
    torch.testing.assert_close(iou, torch.tensor([2 / 4, 0.0]))


def test_activity_runs_take_the_run_holding_most_of_the_centre():
    # one video, three centres; activity runs [1, 3] and [5, 6]
    labels = torch.tensor([[[0, 1, 0, 0, 0, 1, 1, 0],      # more of its frames in the 2nd run
                            [0, 0, 1, 1, 0, 0, 0, 0],      # all in the 1st
                            [0, 0, 0, 0, 0, 0, 0, 0]]], dtype=torch.bool)   # never labelled
    keep = labels.any(-1)
    start, end = activity_runs(labels, keep)
    assert start.tolist() == [5, 1] and end.tolist() == [6, 3]
    assert longest_runs(labels[keep])[0].tolist() == [5, 2]  # the centre's own run differs


def test_top_segments_is_the_growers_first_proposal():
    from dscnet_plugin.models.growers import ProposalGrower, ThresholdGrower, TopKGrower
    curves = torch.tensor([[0.1, 0.95, 1.0, 0.97, 0.2, 0.5], [1.0, 0.3, 0.2, 0.1, 0.0, 0.0]])
    valid = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]], dtype=torch.bool)
    for grower in (TopKGrower(0.9), ThresholdGrower(0.9), ProposalGrower(scales=(0.25, 0.5))):
        torch.testing.assert_close(top_segments(grower, curves, valid),
                                   grower(curves, valid)[0][:, 0])
    torch.testing.assert_close(top_segments(TopKGrower(0.9), curves, valid).float(),
                               torch.tensor([[1 / 6, 4 / 6], [0.0, 0.25]]))


def test_fit_temperature_target_decides_the_temperature(monkeypatch):
    from types import SimpleNamespace

    from dscnet_plugin.models.grounders import temperature_fit
    from dscnet_plugin.models.growers import TopKGrower
    t = 10
    labels = torch.zeros(1, 1, 2, t, dtype=torch.bool)       # 1 video, 1 neck, 2 centres
    labels[0, 0, 0, 2:4] = True                               # centre 0: frames 2-3
    labels[0, 0, 1, 4:7] = True                               # centre 1: frames 4-6
    frame = torch.arange(t).float()                           # activity: frames 2-6
    spe = torch.stack([-(frame - 2.5).abs(), -(frame - 5).abs()]).view(1, 1, 2, t) * 4
    fore = torch.full((1, t), 30.0)
    monkeypatch.setattr(temperature_fit, 'centre_logits', lambda *args: (spe, fore))
    model = SimpleNamespace(pseudo_labels=labels, grower=TopKGrower(0.9), query_weight=1.0)
    batches = [(torch.zeros(1, t, 3), torch.ones(1, t, dtype=torch.bool), torch.tensor([0]))]
    # T = 4: the ratio test stops next to the peaks -> [2, 3] and [5, 5]
    best, table = temperature_fit.fit_temperature(model, batches, (4, 64), 'centre_run')
    assert best == 4 and table[4] == pytest.approx((1 + 1 / 3) / 2)
    best, table = temperature_fit.fit_temperature(model, batches, (4, 64), 'activity_run')
    assert best == 64 and table[4] == pytest.approx((2 / 5 + 1 / 5) / 2)
    with pytest.raises(ValueError, match='temperature target'):
        temperature_fit.fit_temperature(model, batches, (4,), 'longest')


def test_local_optima_compares_every_start_with_every_other():
    text, visual, action, _ = planted_isometry(seed=1)
    aligner = TransportAligner(restarts=3)
    objectives, agreement = aligner.local_optima(visual, text, restarts=3, seed=0)
    assert objectives.shape == (4,) and agreement.shape == (4, 4)
    torch.testing.assert_close(agreement.diagonal(), torch.ones(4, dtype=agreement.dtype))
    torch.testing.assert_close(agreement, agreement.T)
    # the aligner's own coupling is the lowest of these optima (same starts)
    _, best = best_gromov_wasserstein(centred_cosine_distances(text),
                                      centred_cosine_distances(visual), restarts=3,
                                      generator=torch.Generator().manual_seed(0))
    assert float(objectives.min()) == pytest.approx(best)
