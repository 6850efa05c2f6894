"""Inference growers (paper, Inference): region growing from seed frames."""
import itertools

import numpy as np
import pytest
import torch

from dscnet_plugin.models.growers import (ThresholdGrower, TopKGrower, grow_segments,
                                          to_normalized)
from dscnet_plugin.registry import INFERENCE_GROWERS
from dscnet_plugin.structures import segment_iou

#                    0    1    2     3     4    5     6    7
CURVE = torch.tensor([0.1, 0.5, 0.95, 0.97, 1.0, 0.96, 0.5, 0.2])


def grow(scores, seed, valid=None, threshold=0.9, compare='ge'):
    scores = torch.as_tensor(scores, dtype=torch.float64)[None]
    valid = torch.ones_like(scores, dtype=torch.bool) if valid is None else torch.tensor([valid])
    s, e = grow_segments(scores, torch.tensor([seed]), valid, threshold, compare)
    return s.item(), e.item()


def test_ge_grows_over_plateau_and_stops_at_drop():
    # step 1: 0.97 >= 0.9 * 1.0 and 0.96 >= 0.9 * 1.0 -> [3, 5]
    # step 2: 0.95 >= 0.9 * 0.97 (left boundary) ; 0.5 < 0.9 * 0.96 -> [2, 5]
    # step 3: 0.5 < 0.9 * 0.95 -> stop
    assert grow(CURVE, 4) == (2, 5)
    assert grow(CURVE, 4, threshold=0.99) == (4, 4)   # 0.97 < 0.99
    assert grow(CURVE, 4, threshold=0.5) == (1, 6)    # .5 >= .5*.95 ; .5 >= .5*.96 ; .1, .2 no


def test_ge_compares_with_boundary_not_seed():
    # a slow ramp: each frame is 0.92 of its neighbour, 0.92^5 ~ 0.66 of the seed
    ramp = [0.92 ** k for k in range(6)]
    assert grow(ramp, 0) == (0, 5)
    assert grow(ramp[::-1], 5) == (0, 5)


def test_lt_literal_behaviour():
    # on the plateau curve no neighbour is "less than 0.9 x" the seed
    assert grow(CURVE, 4, compare='lt') == (4, 4)
    curve = [0.05, 0.3, 1.0, 0.5, 0.6, 0.1]
    # step 1: .3 < .9 and .5 < .9 -> [1, 3]; step 2: .05 < .27 ; .6 >= .45 -> [0, 3]
    assert grow(curve, 2, compare='lt') == (0, 3)
    assert grow(curve, 2, compare='ge') == (2, 2)


def test_ratio_exactly_at_threshold():
    # 0.5 = 0.5 x 1.0 exactly (binary fractions): 'ge' adds it, 'lt' does not
    curve = [0.5, 1.0, 0.25]
    assert grow(curve, 1, threshold=0.5, compare='ge') == (0, 1)
    assert grow(curve, 1, threshold=0.5, compare='lt') == (1, 2)


def test_invalid_frames_stop_growth():
    scores = [0.99, 0.99, 0.95, 1.0, 0.99, 0.98, 0.99, 0.99]
    assert grow(scores, 3) == (0, 7)
    valid = [True, False, True, True, True, False, True, True]
    assert grow(scores, 3, valid) == (2, 4)
    # padding at the end
    assert grow(scores, 3, [True] * 6 + [False] * 2) == (0, 5)


def test_bad_compare():
    with pytest.raises(ValueError):
        grow(CURVE, 4, compare='gt')


def test_rows_vectorised_independently():
    rows = [
        (CURVE.tolist(), 4, [True] * 8),
        ([0.05, 0.3, 1.0, 0.5, 0.6, 0.1, 0.1, 0.1], 2, [True] * 8),
        ([0.99, 0.99, 0.95, 1.0, 0.99, 0.98, 0.99, 0.99], 3,
         [True, False, True, True, True, False, True, True]),
        ([1.0] * 8, 0, [True] * 8),
        ([1.0] * 8, 7, [True] * 5 + [False] * 3),
    ]
    scores = torch.tensor([r[0] for r in rows], dtype=torch.float64)
    seeds = torch.tensor([r[1] for r in rows])
    valid = torch.tensor([r[2] for r in rows])
    for compare in ('ge', 'lt'):
        s, e = grow_segments(scores, seeds, valid, 0.9, compare)
        for k, (sc, seed, v) in enumerate(rows):
            assert (s[k].item(), e[k].item()) == grow(sc, seed, v, compare=compare), (compare, k)
    s, e = grow_segments(scores, seeds, valid, 0.9, 'ge')
    assert list(zip(s.tolist(), e.tolist())) == [(2, 5), (2, 2), (2, 4), (0, 7), (7, 7)]


def test_to_normalized():
    valid = torch.tensor([[True] * 4 + [False] * 4, [True] * 8])
    out = to_normalized(torch.tensor([1, 0]), torch.tensor([2, 7]), valid)
    torch.testing.assert_close(out, torch.tensor([[0.25, 0.75], [0.0, 1.0]],
                                                 dtype=torch.float64))


# ----------------------------------------------------------------------------
# ThresholdGrower
# ----------------------------------------------------------------------------
def test_threshold_grower_seeds_at_argmax():
    scores = torch.stack([CURVE, torch.tensor([0.2, 1.0, 0.95, 0.1, 0.3, 0.2, 0.1, 0.1])])
    valid = torch.ones(2, 8, dtype=torch.bool)
    segs, best = ThresholdGrower(threshold=0.9)(scores, valid)
    assert segs.shape == (2, 1, 2) and best.shape == (2, 1)
    torch.testing.assert_close(segs[:, 0], torch.tensor([[2 / 8, 6 / 8], [1 / 8, 3 / 8]],
                                                        dtype=torch.float64))
    torch.testing.assert_close(best[:, 0], torch.tensor([1.0, 1.0]))


def test_threshold_grower_normalises_by_real_frames():
    # T = 10 with 6 real frames; the padded frames have the highest scores
    scores = torch.tensor([[0.1, 0.2, 0.8, 0.9, 0.85, 0.1, 5.0, 5.0, 5.0, 5.0]])
    valid = torch.tensor([[True] * 6 + [False] * 4])
    segs, best = ThresholdGrower(threshold=0.9)(scores, valid)
    # seed 3 (0.9); .8 < .81 ; .85 >= .81 -> frames [3, 4] -> [3/6, 5/6]
    torch.testing.assert_close(segs[0, 0], torch.tensor([3 / 6, 5 / 6], dtype=torch.float64))
    assert best.item() == pytest.approx(0.9)


def test_threshold_grower_lt():
    scores = torch.tensor([[0.05, 0.3, 1.0, 0.5, 0.6, 0.1]])
    segs, _ = ThresholdGrower(0.9, compare='lt')(scores, torch.ones(1, 6, dtype=torch.bool))
    torch.testing.assert_close(segs[0, 0], torch.tensor([0.0, 4 / 6], dtype=torch.float64))


# ----------------------------------------------------------------------------
# TopKGrower
# ----------------------------------------------------------------------------
def random_curves(seed, b=4, t=12):
    g = torch.Generator().manual_seed(seed)
    scores = torch.rand(b, t, generator=g, dtype=torch.float64)
    scores = torch.nn.functional.avg_pool1d(scores[:, None], 3, 1, 1)[:, 0]  # smooth plateaus
    lengths = torch.tensor([t, t - 3, 5, t - 1])[:b]
    valid = torch.arange(t)[None] < lengths[:, None]
    return scores, valid


@pytest.mark.parametrize('seed', range(3))
@pytest.mark.parametrize('nms_thresh', [0.3, 0.5, 0.7])
def test_topk_first_equals_threshold_grower_and_nms(seed, nms_thresh):
    scores, valid = random_curves(seed)
    topk = TopKGrower(threshold=0.9, top_k=4, nms_thresh=nms_thresh)
    segs, sc = topk(scores, valid)
    assert segs.shape == (4, 4, 2) and sc.shape == (4, 4)
    thr_segs, thr_best = ThresholdGrower(threshold=0.9)(scores, valid)
    torch.testing.assert_close(segs[:, 0], thr_segs[:, 0])
    torch.testing.assert_close(sc[:, 0], thr_best[:, 0].double())
    for b in range(4):
        real = torch.isfinite(sc[b])
        kept = segs[b][real].numpy()
        # scores non-increasing, slots after the first -inf all -inf
        vals = sc[b][real]
        assert torch.all(vals[:-1] >= vals[1:])
        assert real.tolist() == sorted(real.tolist(), reverse=True)
        for i, j in itertools.combinations(range(len(kept)), 2):
            assert segment_iou(kept[i], kept[j]) <= nms_thresh + 1e-9
        # each proposal is the segment grown from a real seed with that score
        n_real = int(valid[b].sum())
        for (s, e), v in zip(kept, vals.tolist()):
            seed_frames = [t for t in range(n_real) if scores[b, t].item() == v]
            assert seed_frames
            gs, ge = grow_segments(scores[b:b + 1], torch.tensor(seed_frames[:1]),
                                   valid[b:b + 1], 0.9)
            assert (s, e) == pytest.approx((gs.item() / n_real, (ge.item() + 1) / n_real))
            assert 0 <= s < e <= 1


def test_topk_unfilled_slots_are_minus_inf():
    # 3 real frames: at most 3 seeds -> at most 3 proposals out of 5
    scores = torch.tensor([[0.2, 1.0, 0.3, 9.0, 9.0]], dtype=torch.float64)
    valid = torch.tensor([[True, True, True, False, False]])
    segs, sc = TopKGrower(threshold=0.9, top_k=5, nms_thresh=0.5)(scores, valid)
    assert segs.shape == (1, 5, 2)
    assert sc[0].tolist() == [1.0, 0.3, 0.2, -np.inf, -np.inf]
    # 'ge' growth climbs: seed 2 (0.3) takes frame 1 (1.0 >= 0.27), seed 0
    # (0.2) too; IoUs with the first are exactly 0.5 (kept: not > 0.5)
    torch.testing.assert_close(segs[0, :3], torch.tensor(
        [[1 / 3, 2 / 3], [1 / 3, 1.0], [0.0, 2 / 3]], dtype=torch.float64))
    segs, sc = TopKGrower(threshold=0.9, top_k=5, nms_thresh=0.4)(scores, valid)
    assert sc[0].tolist() == [1.0, -np.inf, -np.inf, -np.inf, -np.inf]
    torch.testing.assert_close(segs[0, 1:], torch.zeros(4, 2, dtype=torch.float64))


def test_topk_nms_suppresses_duplicates():
    # a flat plateau: every seed grows to the same segment -> one proposal
    scores = torch.tensor([[0.1, 1.0, 0.99, 0.98, 0.1]], dtype=torch.float64)
    segs, sc = TopKGrower(threshold=0.9, top_k=3, nms_thresh=0.5)(
        scores, torch.ones(1, 5, dtype=torch.bool))
    torch.testing.assert_close(segs[0, 0], torch.tensor([0.2, 0.8], dtype=torch.float64))
    assert sc[0, 0] == 1.0
    # seeds 0 and 4 climb onto the plateau: [0, 3] and [1, 4], IoU 3/4 with
    # [1, 3], suppressed
    assert torch.isfinite(sc[0]).tolist() == [True, False, False]
    # disabling NMS (threshold >= 1) keeps the duplicates
    segs2, _ = TopKGrower(threshold=0.9, top_k=3, nms_thresh=1.0)(
        scores, torch.ones(1, 5, dtype=torch.bool))
    torch.testing.assert_close(segs2[0, 1], segs2[0, 0])


def test_growers_registered():
    g = INFERENCE_GROWERS.build(dict(type='TopKGrower', top_k=2, compare='lt'))
    assert isinstance(g, TopKGrower) and g.top_k == 2 and g.compare == 'lt'
    assert isinstance(INFERENCE_GROWERS.build(dict(type='ThresholdGrower')), ThresholdGrower)


def test_topk_ties_with_many_proposals_keep_frame_order():
    # T = 32, scores 1.0 / 0.1 alternating: 16 seeds tie at 1.0 (one-frame
    # segments, disjoint), 16 at 0.1 (each climbs onto both neighbours). An
    # unstable sort of the 32 candidates reorders the ties (numpy's default
    # introsort does on this curve); they must come in frame order.
    t = 32
    scores = torch.tensor([[1.0, 0.1] * (t // 2)], dtype=torch.float64)
    valid = torch.ones(1, t, dtype=torch.bool)
    segs, sc = TopKGrower(threshold=0.9, top_k=20, nms_thresh=0.5)(scores, valid)
    expected = [[2 * j / t, (2 * j + 1) / t] for j in range(16)]
    # then seeds 1, 3, 5, 7: frames [s - 1, s + 1], IoU 1/3 with the kept frames
    # and 1/5 with each other
    expected += [[(s - 1) / t, (s + 2) / t] for s in (1, 3, 5, 7)]
    torch.testing.assert_close(segs[0], torch.tensor(expected, dtype=torch.float64))
    assert sc[0].tolist() == [1.0] * 16 + [0.1] * 4
    again, _ = TopKGrower(threshold=0.9, top_k=20, nms_thresh=0.5)(scores, valid)
    assert torch.equal(again, segs)
