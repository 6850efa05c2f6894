"""GroundingRecall: R@k at IoU thresholds and mIoU, hand-computed."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

from dscnet_plugin.evaluation import GroundingRecall
from dscnet_plugin.structures import GroundingDataSample

KEYS = {'R1@0.3', 'R1@0.5', 'R1@0.7', 'R5@0.3', 'R5@0.5', 'R5@0.7', 'mIoU', 'top1_len'}
SETTINGS = {'nms_thresh', 'iou_cmp', 'clip_end'}


def _evaluate(samples, **kwargs):
    metric = GroundingRecall(**kwargs)
    metric.process(None, samples)
    return metric.compute_metrics(metric.results)


def _sample(duration, gt, moments, scores=None):
    d = dict(duration=duration, gt_moment=np.asarray(gt, dtype=np.float64),
             pred_moments=np.asarray(moments, dtype=np.float64).reshape(-1, 2))
    if scores is not None:
        d['pred_scores'] = np.asarray(scores, dtype=np.float64)
    return d


def three_samples():
    """Three samples in seconds; the IoUs after normalisation are:

    1. d=10, gt [0, 4]:  [0, 3] (.9) IoU .75, [5, 10] (.8) IoU 0.
       top-1 .75 -> R1 hits at .3/.5/.7; R5 hits at .3/.5/.7.
    2. d=20, gt [0, 10]: listed [0, 8] (.5) IoU .8 then [10, 20] (.9) IoU 0;
       ranked by score, top-1 is [10, 20] (IoU 0) -> R1 misses everywhere;
       R5 hits at .3/.5/.7 (.8).
    3. d=5, gt [1, 3]:  [1, 2.2] (.7) IoU .6, [0, 5] (.6) IoU .4.
       top-1 .6 -> R1 hits at .3/.5, misses .7; R5 same.
    """
    return [
        _sample(10.0, [0.0, 4.0], [[0.0, 3.0], [5.0, 10.0]], [0.9, 0.8]),
        _sample(20.0, [0.0, 10.0], [[0.0, 8.0], [10.0, 20.0]], [0.5, 0.9]),
        _sample(5.0, [1.0, 3.0], [[1.0, 2.2], [0.0, 5.0]], [0.7, 0.6]),
    ]


def test_hand_computed_three_samples():
    res = _evaluate(three_samples())
    assert set(res) == KEYS | SETTINGS
    assert res['R1@0.3'] == pytest.approx(200 / 3)
    assert res['R1@0.5'] == pytest.approx(200 / 3)
    assert res['R1@0.7'] == pytest.approx(100 / 3)
    assert res['R5@0.3'] == pytest.approx(100.0)
    assert res['R5@0.5'] == pytest.approx(100.0)
    assert res['R5@0.7'] == pytest.approx(200 / 3)
    assert res['mIoU'] == pytest.approx((75 + 0 + 60) / 3)
    # top-1 lengths: 3 / 10, 10 / 20 (ranked first by score), 1.2 / 5
    assert res['top1_len'] == pytest.approx((30 + 50 + 24) / 3)
    assert res['nms_thresh'] == 0.5
    assert res['iou_cmp'] == '>='
    assert res['clip_end'] is True
    for k in KEYS:
        assert isinstance(res[k], float)


def test_settings_are_reported_with_their_values():
    res = _evaluate(three_samples(), nms_thresh=0.7, iou_cmp='>', clip_end=False)
    assert res['nms_thresh'] == 0.7
    assert res['iou_cmp'] == '>'
    assert res['clip_end'] is False


def test_custom_topk_and_thresholds_name_the_keys():
    res = _evaluate(three_samples(), topk=(1, 2), iou_thrs=(0.1, 0.75))
    assert set(res) == {'R1@0.1', 'R1@0.75', 'R2@0.1', 'R2@0.75', 'mIoU', 'top1_len'} | SETTINGS
    assert res['R1@0.75'] == pytest.approx(100 / 3)   # only sample 1 (IoU .75)
    assert res['R2@0.75'] == pytest.approx(200 / 3)   # + sample 2 (.8 at rank 2)


def test_iou_exactly_at_threshold_hit_with_ge_miss_with_gt():
    # IoU([0, .5], [0, 1]) == 0.5
    samples = [_sample(1.0, [0.0, 1.0], [[0.0, 0.5]], [1.0])]
    ge = _evaluate(samples, iou_cmp='>=')
    gt = _evaluate(samples, iou_cmp='>')
    assert ge['R1@0.5'] == 100.0 and gt['R1@0.5'] == 0.0
    assert ge['R1@0.3'] == 100.0 and gt['R1@0.3'] == 100.0
    assert ge['R1@0.7'] == 0.0 and gt['R1@0.7'] == 0.0
    assert ge['mIoU'] == pytest.approx(50.0)


def test_float_tie_after_seconds_round_trip_is_still_a_tie():
    # 0.3..0.45 vs 0.3..0.6 computes to IoU 0.4999999999999999
    samples = [_sample(1.0, [0.3, 0.6], [[0.3, 0.45]], [1.0])]
    assert _evaluate(samples, iou_cmp='>=')['R1@0.5'] == 100.0
    # 0.02..0.035 vs 0.02..0.05 computes to IoU 0.5000000000000001
    samples = [_sample(1.0, [0.02, 0.05], [[0.02, 0.035]], [1.0])]
    assert _evaluate(samples, iou_cmp='>')['R1@0.5'] == 0.0


def test_invalid_iou_cmp_raises():
    with pytest.raises(ValueError):
        GroundingRecall(iou_cmp='>==')


def test_ranking_uses_scores_not_list_order():
    gt = [0.0, 5.0]
    moments = [[6.0, 10.0], [0.0, 5.0]]
    good_second_in_list = _evaluate([_sample(10.0, gt, moments, [0.1, 0.9])])
    assert good_second_in_list['R1@0.7'] == 100.0
    assert good_second_in_list['mIoU'] == pytest.approx(100.0)
    good_first_by_score_only = _evaluate([_sample(10.0, gt, moments, [0.9, 0.1])])
    assert good_first_by_score_only['R1@0.3'] == 0.0
    assert good_first_by_score_only['R5@0.7'] == 100.0


def test_missing_scores_rank_by_list_order():
    res = _evaluate([_sample(10.0, [0.0, 5.0], [[6.0, 10.0], [0.0, 5.0]])])
    assert res['R1@0.3'] == 0.0 and res['R5@0.7'] == 100.0


def _dup_then_good():
    # five copies of a wrong segment, then the right one (6th by score)
    moments = [[0.0, 4.0]] * 5 + [[6.0, 10.0]]
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.1]
    return [_sample(10.0, [6.0, 10.0], moments, scores)]


def test_nms_lets_a_lower_ranked_segment_into_top5():
    res = _evaluate(_dup_then_good(), nms_thresh=0.5)
    assert res['R5@0.7'] == 100.0
    assert res['R1@0.3'] == 0.0
    assert res['mIoU'] == 0.0


def test_without_nms_duplicates_fill_top5():
    res = _evaluate(_dup_then_good(), nms_thresh=1.0)
    assert res['R5@0.3'] == 0.0
    assert res['R5@0.7'] == 0.0


def test_clip_end_clips_prediction_past_duration():
    samples = [_sample(10.0, [5.0, 10.0], [[5.0, 15.0]], [1.0])]
    clipped = _evaluate(samples, clip_end=True)
    raw = _evaluate(samples, clip_end=False)
    # clipped: [.5, 1] vs [.5, 1] -> 1 ; raw: [.5, 1.5] vs [.5, 1] -> .5
    assert clipped['mIoU'] == pytest.approx(100.0)
    assert clipped['R1@0.7'] == 100.0
    assert raw['mIoU'] == pytest.approx(50.0)
    assert raw['R1@0.5'] == 100.0 and raw['R1@0.7'] == 0.0


def test_ground_truth_past_the_duration_is_clipped_with_clip_end():
    # d = 10: gt [6, 14] -> [.6, 1] when clipped, [.6, 1.4] raw
    samples = [_sample(10.0, [6.0, 14.0], [[6.0, 10.0]], [1.0]),   # clipped IoU 1, raw .5
               _sample(10.0, [6.0, 14.0], [[8.0, 10.0]], [1.0]),   # clipped .5, raw .25
               _sample(10.0, [12.0, 15.0], [[8.0, 10.0]], [1.0])]  # wholly past: [1, 1], IoU 0
    clipped = _evaluate(samples, clip_end=True, topk=(1,), iou_thrs=(0.5, 0.7))
    assert clipped['mIoU'] == pytest.approx((100 + 50 + 0) / 3)
    assert clipped['R1@0.5'] == pytest.approx(200 / 3)   # IoU .5 >= .5 counts
    assert clipped['R1@0.7'] == pytest.approx(100 / 3)
    raw = _evaluate(samples, clip_end=False, topk=(1,), iou_thrs=(0.5, 0.7))
    # raw: .5, .25, and [8, 10] vs [12, 15] disjoint: 0
    assert raw['mIoU'] == pytest.approx((50 + 25 + 0) / 3)
    assert raw['R1@0.5'] == pytest.approx(100 / 3) and raw['R1@0.7'] == 0.0


def test_clip_end_clips_negative_start():
    samples = [_sample(10.0, [0.0, 5.0], [[-5.0, 5.0]], [1.0])]
    assert _evaluate(samples, clip_end=True)['mIoU'] == pytest.approx(100.0)
    assert _evaluate(samples, clip_end=False)['mIoU'] == pytest.approx(50.0)


def test_zero_length_prediction_has_iou_zero():
    res = _evaluate([_sample(10.0, [0.0, 10.0], [[3.0, 3.0]], [1.0])])
    assert res['mIoU'] == 0.0
    assert all(res[k] == 0.0 for k in KEYS)


def test_seconds_and_normalised_give_same_result():
    durations = [37.3, 29.97, 3.0]
    normalised = [
        ([0.3, 0.6], [[0.3, 0.45], [0.0, 1.0], [0.5, 0.9]], [0.9, 0.5, 0.7]),
        ([0.02, 0.05], [[0.02, 0.035], [0.1, 0.2]], [0.4, 0.6]),
        ([0.1, 0.8], [[0.0, 0.5], [0.2, 0.9]], [0.3, 0.2]),
    ]
    in_norm = [_sample(1.0, g, m, s) for g, m, s in normalised]
    in_sec = [_sample(d, np.array(g) * d, np.array(m) * d, s)
              for d, (g, m, s) in zip(durations, normalised)]
    a, b = _evaluate(in_norm), _evaluate(in_sec)
    assert set(a) == set(b)
    for k in KEYS:
        assert a[k] == pytest.approx(b[k], abs=1e-9), k


def test_torch_tensors_are_accepted():
    samples = [dict(duration=torch.tensor(10.0), gt_moment=torch.tensor([0.0, 4.0]),
                    pred_moments=torch.tensor([[0.0, 3.0]]),
                    pred_scores=torch.tensor([1.0]))]
    assert _evaluate(samples)['mIoU'] == pytest.approx(75.0)


def test_different_number_of_predictions_per_sample():
    samples = [
        _sample(10.0, [0.0, 4.0], [[0.0, 4.0]], [1.0]),
        _sample(10.0, [6.0, 10.0], [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0],
                                    [6.0, 7.0], [6.0, 10.0]], [5, 4, 3, 2, 1]),
    ]
    res = _evaluate(samples)
    # sample 1 hits everywhere at rank 1; sample 2 hits at rank 5 only
    assert res['R1@0.7'] == 50.0
    assert res['R5@0.7'] == 100.0
    assert res['mIoU'] == pytest.approx(50.0)


def test_sample_without_predictions_is_a_miss():
    samples = [_sample(10.0, [0.0, 4.0], [[0.0, 4.0]], [1.0]),
               _sample(10.0, [0.0, 4.0], np.zeros((0, 2)), np.zeros(0))]
    res = _evaluate(samples)
    assert res['R1@0.7'] == 50.0 and res['R5@0.3'] == 50.0
    assert res['mIoU'] == pytest.approx(50.0)


def test_no_samples_gives_empty_dict():
    metric = GroundingRecall()
    assert metric.compute_metrics([]) == {}


# ----------------------------------------------------------------------------
# Through mmengine's Evaluator with GroundingDataSample objects
# ----------------------------------------------------------------------------
def _data_samples():
    out = []
    for s in three_samples():
        ds = GroundingDataSample(metainfo=dict(duration=s['duration'], video_id='v'))
        ds.gt_moment = s['gt_moment']
        ds.pred_moments = torch.as_tensor(s['pred_moments'])
        ds.pred_scores = torch.as_tensor(s['pred_scores'])
        out.append(ds)
    return out


def test_evaluator_with_data_samples_has_unprefixed_keys():
    evaluator = Evaluator(GroundingRecall())
    samples = _data_samples()
    evaluator.process(data_samples=samples[:2], data_batch=None)
    evaluator.process(data_samples=samples[2:], data_batch=None)
    res = evaluator.evaluate(len(samples))
    assert set(res) == KEYS | SETTINGS
    direct = _evaluate(three_samples())
    for k in KEYS:
        assert res[k] == pytest.approx(direct[k])


def test_evaluator_with_prefix():
    evaluator = Evaluator(GroundingRecall(prefix='test'))
    samples = _data_samples()
    evaluator.process(data_samples=samples, data_batch=None)
    res = evaluator.evaluate(len(samples))
    assert 'test/R1@0.5' in res and 'R1@0.5' not in res
