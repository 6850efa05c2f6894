"""MomentRetrievalMetric: moment_detr's QVHighlights R1 / mAP, hand-computed."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

from dscnet_plugin.evaluation import GroundingRecall, MomentRetrievalMetric
from dscnet_plugin.evaluation.metrics.moment_retrieval import (MAP_IOU_THRS,
                                                               interpolated_ap)
from dscnet_plugin.structures import GroundingDataSample

KEYS = {'R1@0.5', 'R1@0.7', 'mAP@0.5', 'mAP@0.75', 'mAP', 'max_pred_windows'}


def _evaluate(samples, **kwargs):
    metric = MomentRetrievalMetric(**kwargs)
    metric.process(None, samples)
    return metric.compute_metrics(metric.results)


def _sample(moments, scores=None, windows=None, moment=None):
    d = dict(pred_moments=np.asarray(moments, dtype=np.float64).reshape(-1, 2))
    if scores is not None:
        d['pred_scores'] = np.asarray(scores, dtype=np.float64)
    if windows is not None:
        d['gt_windows'] = np.asarray(windows, dtype=np.float64).reshape(-1, 2)
    if moment is not None:
        d['gt_moment'] = np.asarray(moment, dtype=np.float64)
    return d


def two_windows_with_duplicate():
    """GT [0, 10], [20, 30]; predictions [0, 10] (.9, IoU 1 with the first),
    its duplicate (.8: the first window is taken, the second has IoU 0 ->
    false positive) and [20, 26] (.7, IoU .6 with the second).

    t <= .6 (0.5, 0.55, 0.6): TP FP TP, precision 1 .5 .667, recall .5 .5 1
      -> AP = .5 x 1 + .5 x 2/3 = 5/6.
    t >= .65 (7 thresholds): TP FP FP -> AP = .5.
    mAP over the 10 thresholds = (3 x 5/6 + 7 x .5) / 10 = .6.
    """
    return _sample([[0, 10], [0, 10], [20, 26]], [.9, .8, .7], windows=[[0, 10], [20, 30]])


def test_thresholds_are_moment_detr_s():
    assert MAP_IOU_THRS == (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def test_several_windows_and_a_duplicate():
    out = _evaluate([two_windows_with_duplicate()])
    assert set(out) == KEYS
    assert out['R1@0.5'] == 100.0 and out['R1@0.7'] == 100.0
    assert out['mAP@0.5'] == pytest.approx(500 / 6)
    assert out['mAP@0.75'] == pytest.approx(50.0)
    assert out['mAP'] == pytest.approx(60.0)


def test_no_hit_and_perfect_hit():
    miss = _sample([[50, 60]], [1.0], windows=[[0, 10]])
    perfect = _sample([[5, 15]], [1.0], moment=[5, 15])   # gt_moment fallback
    assert _evaluate([miss]) == dict(_evaluate([miss]), **{
        'R1@0.5': 0.0, 'R1@0.7': 0.0, 'mAP@0.5': 0.0, 'mAP@0.75': 0.0, 'mAP': 0.0})
    out = _evaluate([perfect])
    assert [out[k] for k in ('R1@0.5', 'R1@0.7', 'mAP@0.5', 'mAP@0.75', 'mAP')] == [100.0] * 5


def test_mean_over_queries():
    samples = [two_windows_with_duplicate(), _sample([[50, 60]], [1.0], windows=[[0, 10]]),
               _sample([[5, 15]], [1.0], moment=[5, 15])]
    out = _evaluate(samples)
    assert out['R1@0.5'] == pytest.approx(200 / 3)
    assert out['R1@0.7'] == pytest.approx(200 / 3)
    assert out['mAP@0.5'] == pytest.approx((5 / 6 + 0 + 1) / 3 * 100)
    assert out['mAP@0.75'] == pytest.approx(50.0)
    assert out['mAP'] == pytest.approx((0.6 + 0 + 1) / 3 * 100)


def test_r1_takes_the_best_window_of_the_top_scored_prediction():
    # listed first but scored lower: [20, 30]; the top score is [21, 29],
    # IoU .8 with the second window and 0 with the first.
    s = _sample([[20, 30], [21, 29]], [.1, .9], windows=[[0, 10], [20, 30]])
    out = _evaluate([s])
    assert out['R1@0.7'] == 100.0
    # Both hit the second window only, which is matched once. t <= .8: TP
    # then FP, recall .5 at precision 1 -> AP .5; t >= .85: FP then TP
    # (IoU 1), recall .5 at precision .5 -> AP .25.
    assert out['mAP'] == pytest.approx((7 * .5 + 3 * .25) / 10 * 100)


def test_tie_between_windows_takes_the_last_listed():
    """[2.5, 12.5] has IoU .6 with both [0, 10] and [5, 15]; moment_detr
    (reversed argsort) matches the one listed last, [5, 15], so the next
    prediction [5, 15] finds it taken.

    t <= .6: TP FP -> AP .5;  t > .6: FP TP (IoU 1) -> precision .5 at recall
    .5 -> AP .25.  mAP = (3 x .5 + 7 x .25) / 10 = .325.
    """
    s = _sample([[2.5, 12.5], [5, 15]], [.9, .8], windows=[[0, 10], [5, 15]])
    out = _evaluate([s])
    assert out['mAP@0.5'] == pytest.approx(50.0)
    assert out['mAP'] == pytest.approx(32.5)


def test_only_the_first_max_pred_windows_count():
    hit_last = _sample([[50, 60]] * 3 + [[0, 10]], [.9, .8, .7, .6], windows=[[0, 10]])
    assert _evaluate([hit_last], max_pred_windows=3)['mAP'] == 0.0
    # rank 4: precision 1/4 at recall 1
    assert _evaluate([hit_last], max_pred_windows=4)['mAP'] == pytest.approx(25.0)


def test_query_without_prediction_scores_zero_and_no_window_is_left_out():
    empty = _sample(np.zeros((0, 2)), np.zeros(0), windows=[[0, 10]])
    no_gt = _sample([[0, 10]], [1.0], windows=np.zeros((0, 2)))
    perfect = _sample([[0, 10]], [1.0], windows=[[0, 10]])
    out = _evaluate([empty, no_gt, perfect])
    assert out['R1@0.5'] == 50.0 and out['mAP'] == 50.0


def test_missing_ground_truth_is_a_clear_error():
    with pytest.raises(KeyError, match='neither gt_windows nor gt_moment'):
        _evaluate([_sample([[0, 1]], [1.0])])


def test_bad_settings():
    with pytest.raises(ValueError, match='not in map_iou_thrs'):
        MomentRetrievalMetric(map_thrs=(0.3,))
    with pytest.raises(ValueError, match='max_pred_windows'):
        MomentRetrievalMetric(max_pred_windows=0)


def test_interpolated_ap_uses_the_precision_envelope():
    # precision 0 .5 .667 at recall 0 .5 1: envelope .667 for the first half
    ap = interpolated_ap(np.array([0.0, 0.5, 2 / 3]), np.array([0.0, 0.5, 1.0]))
    assert ap == pytest.approx(2 / 3)


def _reference_ap(preds, scores, gts, thr):
    """Straightforward per-query loop of the ActivityNet / moment_detr rule."""
    order = sorted(range(len(preds)), key=lambda i: -scores[i])
    locked, tp = set(), []
    for i in order:
        s, e = preds[i]
        ious = [max(0.0, min(e, ge) - max(s, gs)) / (max(e, ge) - min(s, gs))
                for gs, ge in gts]
        ranked = sorted(range(len(gts)), key=lambda j: (-ious[j], -j))
        hit = next((j for j in ranked if ious[j] >= thr - 1e-9 and j not in locked), None)
        tp.append(hit is not None)
        if hit is not None:
            locked.add(hit)
    ap, n_tp = 0.0, 0
    prec, rec = [], []
    for k, t in enumerate(tp):
        n_tp += t
        prec.append(n_tp / (k + 1))
        rec.append(n_tp / len(gts))
    prev = 0.0
    for k in range(len(tp)):
        if rec[k] > prev:
            ap += (rec[k] - prev) * max(prec[k:])
            prev = rec[k]
    return ap


@pytest.mark.parametrize('seed', range(5))
def test_matches_a_reference_loop(seed):
    rng = np.random.default_rng(seed)
    samples, expected = [], []
    for _ in range(20):
        n_gt, n_pred = rng.integers(1, 4), rng.integers(1, 8)
        gts = np.sort(rng.integers(0, 30, (n_gt, 2)), 1).astype(float)
        gts[:, 1] += 1
        preds = np.sort(rng.integers(0, 30, (n_pred, 2)), 1).astype(float)
        preds[:, 1] += rng.integers(1, 3, n_pred)
        scores = rng.integers(0, 4, n_pred).astype(float)  # ties on purpose
        samples.append(_sample(preds, scores, windows=gts))
        expected.append([_reference_ap(preds.tolist(), scores.tolist(), gts.tolist(), t)
                         for t in MAP_IOU_THRS])
    out = _evaluate(samples)
    assert out['mAP'] == pytest.approx(np.mean(expected) * 100)
    assert out['mAP@0.5'] == pytest.approx(np.mean(expected, 0)[0] * 100)


def test_in_an_evaluator_beside_grounding_recall():
    sample = GroundingDataSample(metainfo=dict(duration=40.0))
    sample.gt_moment = torch.tensor([0.0, 10.0])
    sample.gt_windows = torch.tensor([[0.0, 10.0], [20.0, 30.0]])
    sample.pred_moments = torch.tensor([[20.0, 30.0], [0.0, 10.0]])
    sample.pred_scores = torch.tensor([0.9, 0.8])
    evaluator = Evaluator([MomentRetrievalMetric(), GroundingRecall(topk=(5,), iou_thrs=(0.5,))])
    evaluator.process([sample])
    out = evaluator.evaluate(1)
    assert out['R1@0.5'] == 100.0 and out['mAP'] == 100.0   # both windows found
    assert out['R5@0.5'] == 100.0                             # the first window


def test_evaluate_ranked_matches_the_sample_path():
    """A prior's arrays (sorted by score inside) give what process() gives."""
    gen = np.random.default_rng(3)
    samples, moments, scores, windows = [], [], [], []
    for _ in range(6):
        m = np.sort(gen.uniform(0, 30, (12, 2)), axis=1)
        s = gen.normal(size=12)
        g = np.sort(gen.uniform(0, 30, (2, 2)), axis=1)
        samples.append(dict(pred_moments=m[np.argsort(-s)], pred_scores=np.sort(s)[::-1],
                            gt_windows=g))
        moments.append(m), scores.append(s), windows.append(g)
    metric = MomentRetrievalMetric()
    metric.process(None, samples)
    expect = metric.compute_metrics(metric.results)
    got = MomentRetrievalMetric().evaluate_ranked(np.stack(moments), np.stack(scores),
                                                  np.ones((6, 12), bool), windows)
    assert got == pytest.approx(expect)
