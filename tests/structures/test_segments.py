"""Segment IoU, batched greedy NMS and gather_kept."""
import numpy as np
import pytest

from dscnet_plugin.structures import batched_nms, gather_kept, segment_iou


# ----------------------------------------------------------------------------
# segment_iou
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('a, b, expected', [
    ([0.0, 2.0], [1.0, 3.0], 1.0 / 3.0),     # partial overlap: 1 / 3
    ([1.0, 3.0], [0.0, 2.0], 1.0 / 3.0),     # symmetric
    ([0.0, 4.0], [1.0, 2.0], 1.0 / 4.0),     # containment: 1 / 4
    ([1.0, 2.0], [0.0, 4.0], 1.0 / 4.0),
    ([0.0, 1.0], [2.0, 3.0], 0.0),           # disjoint
    ([0.0, 1.0], [1.0, 2.0], 0.0),           # touching
    ([2.0, 5.0], [2.0, 5.0], 1.0),           # identical
    ([0.0, 0.5], [0.0, 0.25], 0.5),          # a prefix of half the length
    ([1.0, 1.0], [0.0, 2.0], 0.0),           # zero-length inside another
    ([1.0, 1.0], [1.0, 1.0], 0.0),           # both zero-length (hull 0)
    ([0.25, 0.75], [0.0, 0.5], 1.0 / 3.0),
])
def test_segment_iou_hand_values(a, b, expected):
    iou = segment_iou(np.array(a), np.array(b))
    assert iou.shape == ()
    assert iou == pytest.approx(expected, abs=1e-12)


def test_segment_iou_broadcasts_over_leading_dims():
    a = np.array([[0.0, 2.0], [0.0, 4.0], [5.0, 6.0]])[:, None, :]   # 3 x 1 x 2
    b = np.array([[1.0, 3.0], [1.0, 2.0]])[None, :, :]               # 1 x 2 x 2
    iou = segment_iou(a, b)
    assert iou.shape == (3, 2)
    expected = np.array([[1 / 3, 1 / 2],
                         [1 / 2, 1 / 4],
                         [0.0, 0.0]])
    np.testing.assert_allclose(iou, expected, atol=1e-12)


def test_segment_iou_accepts_lists_and_returns_float64():
    iou = segment_iou([[0, 2], [0, 1]], [[1, 3], [0, 1]])
    assert iou.dtype == np.float64
    np.testing.assert_allclose(iou, [1 / 3, 1.0])


# ----------------------------------------------------------------------------
# batched_nms
# ----------------------------------------------------------------------------
def _nms1(segments, scores, thresh, top_k, valid=None):
    segments = np.asarray(segments, dtype=np.float64)[None]
    scores = np.asarray(scores, dtype=np.float64)[None]
    if valid is None:
        valid = np.ones(scores.shape, bool)
    else:
        valid = np.asarray(valid, bool)[None]
    keep = batched_nms(segments, scores, valid, thresh, top_k)
    assert keep.shape == (1, top_k)
    assert keep.dtype == np.int64
    return keep[0].tolist()


def test_nms_returns_indices_in_score_order():
    segs = [[0.0, 0.1], [0.2, 0.3], [0.4, 0.5], [0.6, 0.7]]   # pairwise disjoint
    assert _nms1(segs, [0.1, 0.9, 0.5, 0.7], 0.5, 4) == [1, 3, 2, 0]


def test_nms_equal_scores_keep_lower_index_first():
    segs = [[0.0, 0.1], [0.2, 0.3], [0.4, 0.5]]
    assert _nms1(segs, [0.5, 0.5, 0.5], 0.5, 3) == [0, 1, 2]


def test_nms_suppresses_iou_above_threshold():
    # [0, 0.9] has IoU 0.9 with the best [0, 1]; [0.5, 1] has IoU 0.5.
    segs = [[0.0, 1.0], [0.0, 0.9], [0.5, 1.0]]
    assert _nms1(segs, [0.9, 0.8, 0.7], 0.5, 3) == [0, 2, -1]
    # below 0.5 the tie is suppressed too
    assert _nms1(segs, [0.9, 0.8, 0.7], 0.49, 3) == [0, -1, -1]


def test_nms_keeps_iou_equal_to_threshold():
    # IoU([0, 0.5], [0, 0.25]) == 0.5 exactly: kept with thresh 0.5
    assert _nms1([[0.0, 0.5], [0.0, 0.25]], [1.0, 0.5], 0.5, 2) == [0, 1]
    # a float tie that computes to 0.5000000000000001 is still a tie
    a, b = np.array([0.02, 0.05]), np.array([0.02, 0.035])
    assert float(segment_iou(a, b)) > 0.5
    assert _nms1([a, b], [1.0, 0.5], 0.5, 2) == [0, 1]


def test_nms_suppression_is_against_kept_segments_only():
    # 1 is suppressed by 0; 2 overlaps 1 heavily but not 0, so it is kept.
    segs = [[0.0, 0.4], [0.1, 0.5], [0.2, 0.6]]
    # IoU(0,1)=0.3/0.5=0.6 ; IoU(0,2)=0.2/0.6=1/3 ; IoU(1,2)=0.3/0.5=0.6
    assert _nms1(segs, [0.9, 0.8, 0.7], 0.5, 3) == [0, 2, -1]


def test_nms_threshold_one_disables_suppression():
    segs = [[0.0, 1.0]] * 3
    assert _nms1(segs, [0.3, 0.2, 0.1], 1.0, 3) == [0, 1, 2]
    assert _nms1(segs, [0.3, 0.2, 0.1], 0.99, 3) == [0, -1, -1]


def test_nms_respects_valid_mask():
    segs = [[0.0, 1.0], [0.0, 0.9], [0.5, 0.6]]
    # the invalid best candidate is neither kept nor suppresses the second
    assert _nms1(segs, [0.9, 0.8, 0.7], 0.5, 3, valid=[False, True, True]) == [1, 2, -1]
    # an invalid candidate is never kept even if it scores -inf or +inf
    assert _nms1(segs, [np.inf, 0.8, 0.7], 0.5, 3, valid=[False, True, False]) == [1, -1, -1]


def test_nms_pads_with_minus_one_and_truncates_to_top_k():
    segs = [[0.0, 0.1], [0.2, 0.3], [0.4, 0.5]]
    assert _nms1(segs, [0.3, 0.2, 0.1], 0.5, 5) == [0, 1, 2, -1, -1]
    assert _nms1(segs, [0.3, 0.2, 0.1], 0.5, 2) == [0, 1]


def test_nms_many_lists_at_once_give_independent_answers():
    segments = np.array([
        # list 0: the 2nd is a near-duplicate of the 1st
        [[0.0, 1.0], [0.0, 0.95], [0.5, 1.0], [0.0, 0.1]],
        # list 1: all disjoint, scores reversed
        [[0.0, 0.1], [0.2, 0.3], [0.4, 0.5], [0.6, 0.7]],
        # list 2: only two valid, identical
        [[0.2, 0.4], [0.2, 0.4], [0.0, 0.0], [0.0, 0.0]],
    ])
    scores = np.array([
        [0.9, 0.8, 0.7, 0.6],
        [0.1, 0.2, 0.3, 0.4],
        [0.5, 0.6, 0.0, 0.0],
    ])
    valid = np.array([[True] * 4, [True] * 4, [True, True, False, False]])
    keep = batched_nms(segments, scores, valid, 0.5, 3)
    # list 0: [0,1] kept, [0,.95] IoU .95 dropped, [.5,1] IoU .5 kept,
    # [0,.1] IoU .1 with [0,1], 0 with [.5,1] kept.
    np.testing.assert_array_equal(keep, [[0, 2, 3], [3, 2, 1], [1, -1, -1]])
    # the same lists one by one give the same rows
    for n in range(3):
        one = batched_nms(segments[n:n + 1], scores[n:n + 1], valid[n:n + 1], 0.5, 3)
        np.testing.assert_array_equal(one[0], keep[n])


# ----------------------------------------------------------------------------
# gather_kept
# ----------------------------------------------------------------------------
def test_gather_kept_selects_and_zeroes_unfilled_slots():
    values = np.arange(2 * 4 * 2, dtype=np.float64).reshape(2, 4, 2) + 1.0
    keep = np.array([[2, 0, -1], [3, -1, -1]])
    out = gather_kept(values, keep)
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(out[0], [values[0, 2], values[0, 0], [0, 0]])
    np.testing.assert_array_equal(out[1], [values[1, 3], [0, 0], [0, 0]])


def test_gather_kept_two_dimensional_values():
    scores = np.array([[0.1, 0.2, 0.3], [1.0, 2.0, 3.0]])
    keep = np.array([[2, 1], [-1, -1]])
    np.testing.assert_array_equal(gather_kept(scores, keep), [[0.3, 0.2], [0.0, 0.0]])


def test_gather_kept_of_nms_result_is_non_suppressed_ranked_list():
    segments = np.array([[[0.0, 0.5], [0.0, 0.45], [0.6, 0.9]]])
    scores = np.array([[0.2, 0.9, 0.5]])
    keep = batched_nms(segments, scores, np.ones((1, 3), bool), 0.5, 3)
    np.testing.assert_array_equal(keep, [[1, 2, -1]])
    np.testing.assert_array_equal(gather_kept(segments, keep)[0],
                                  [[0.0, 0.45], [0.6, 0.9], [0.0, 0.0]])


def test_nms_ties_among_many_candidates_keep_index_order():
    # 40 candidates, scores tied in two groups (an unstable sort reorders ties
    # from 17 candidates on); disjoint unit segments, so nothing is suppressed
    k = 40
    segments = np.stack([np.arange(k), np.arange(k) + 1.0], -1)[None] / k
    scores = np.tile([1.0, 0.5], k // 2)[None]
    keep = batched_nms(segments, scores, np.ones((1, k), bool), 0.5, 24)
    assert keep[0].tolist() == list(range(0, k, 2)) + [1, 3, 5, 7]
    # every candidate tied: index order, and the duplicates of candidate 0 suppressed
    same = np.concatenate([segments[:, :1].repeat(20, 1), segments[:, 20:]], 1)
    keep = batched_nms(same, np.ones((1, k)), np.ones((1, k), bool), 0.5, 21)
    assert keep[0].tolist() == [0] + list(range(20, 40))
