"""No-video prior baselines: grid counts, frequency prior, fixed and random priors."""
import json

import numpy as np
import pytest
import torch

from dscnet_plugin.models import (FrequencyPrior, GroundingDataPreprocessor,
                                  MeanMomentPrior, PredictAllPrior, RandomPrior)
from dscnet_plugin.models.baselines import grid_cell_counts
from dscnet_plugin.structures import GroundingDataSample, segment_iou

# (video, start s, end s); video durations below. Grid N = 4, normalised:
#   cell (0,1) [0, .5]   x3   cell (0,0) [0, .25] x2   cell (1,2) [.25,.75] x2
#   cell (2,3) [.5, 1]   x2   cell (1,1) [.25,.5] x1   cell (1,3) [.25, 1] x1
#   cell (3,3) [.75, 1]  x1
DURATIONS = {'VIDA': 10.0, 'VIDB': 20.0}
MOMENTS = [
    ('VIDA', 0.0, 5.0), ('VIDA', 1.0, 4.0), ('VIDB', 1.0, 9.0),       # (0,1)
    ('VIDA', 0.0, 2.0), ('VIDA', 1.0, 2.5),                           # (0,0)
    ('VIDA', 3.0, 7.0), ('VIDB', 5.2, 14.8),                          # (1,2)
    ('VIDB', 10.0, 20.0), ('VIDA', 6.0, 9.0),                         # (2,3)
    ('VIDA', 3.0, 4.5),                                               # (1,1)
    ('VIDB', 6.0, 20.0),                                              # (1,3)
    ('VIDA', 8.0, 10.0),                                              # (3,3)
]
TOTAL = len(MOMENTS)


def write_annotation(tmp_path, moments=MOMENTS, durations=DURATIONS):
    ann = tmp_path / 'sta_train.txt'
    ann.write_text(''.join(f'{v} {s} {e}##person does thing {k}.\n'
                           for k, (v, s, e) in enumerate(moments)))
    dur = tmp_path / 'durations.json'
    dur.write_text(json.dumps(durations))
    return dict(type='CharadesSTAAnnotation', ann_file=str(ann), duration_file=str(dur))


@pytest.fixture
def train_annotation(tmp_path):
    return write_annotation(tmp_path)


def _samples(durations, idx=None):
    out = []
    for k, d in enumerate(durations):
        meta = dict(duration=d, video_id=f'v{k}', query='q')
        if idx is not None:
            meta['sample_idx'] = idx[k]
        out.append(GroundingDataSample(metainfo=meta))
    return out


# ----------------------------------------------------------------------------
# grid_cell_counts
# ----------------------------------------------------------------------------
def _cells(moments, grid):
    counts = grid_cell_counts(np.asarray(moments, dtype=np.float64), grid)
    assert counts.shape == (grid, grid)
    assert counts.sum() == len(moments)
    return {(int(i), int(j)): int(counts[i, j]) for i, j in zip(*np.nonzero(counts))}


@pytest.mark.parametrize('moment, cell', [
    ((0.0, 0.25), (0, 0)),     # e on a boundary: ceil(1) - 1 = 0
    ((0.1, 0.5), (0, 1)),      # e = 0.5, N = 4 -> j = 1
    ((0.0, 0.51), (0, 2)),
    ((0.25, 0.5), (1, 1)),     # s on a boundary goes to the upper cell
    ((0.3, 0.31), (1, 1)),
    ((0.5, 0.5), (2, 2)),      # j = max(i, ceil(2) - 1 = 1) = i
    ((0.9, 1.0), (3, 3)),
    ((1.0, 1.0), (3, 3)),      # s = 1.0 -> i = min(4, 3) = 3
    ((0.0, 1.0), (0, 3)),
])
def test_grid_cell_counts_single_moment(moment, cell):
    assert _cells([moment], 4) == {cell: 1}


def test_grid_cell_counts_accumulates():
    moments = [(0.0, 0.5), (0.1, 0.4), (0.0, 0.5), (0.6, 1.0), (1.0, 1.0)]
    assert _cells(moments, 4) == {(0, 1): 3, (2, 3): 1, (3, 3): 1}
    assert _cells(moments, 2) == {(0, 0): 3, (1, 1): 2}


def test_grid_cell_counts_of_test_annotation():
    norm = [(s / DURATIONS[v], e / DURATIONS[v]) for v, s, e in MOMENTS]
    assert _cells(norm, 4) == {(0, 1): 3, (0, 0): 2, (1, 2): 2, (2, 3): 2,
                               (1, 1): 1, (1, 3): 1, (3, 3): 1}


# ----------------------------------------------------------------------------
# FrequencyPrior
# ----------------------------------------------------------------------------
def test_frequency_prior_full_ranking_and_tie_break(train_annotation):
    # no NMS, every cell: count desc, then lower i, then lower j
    prior = FrequencyPrior(train_annotation, grid=4, nms_thresh=1.0, top_k=10)
    cells = [(0, 1), (0, 0), (1, 2), (2, 3), (1, 1), (1, 3), (3, 3),
             (0, 2), (0, 3), (2, 2)]
    counts = [3, 2, 2, 2, 1, 1, 1, 0, 0, 0]
    expected = np.array([[i / 4, (j + 1) / 4] for i, j in cells])
    np.testing.assert_allclose(prior.segments, expected)
    np.testing.assert_allclose(prior.scores, np.array(counts) / TOTAL)


def test_frequency_prior_nms_top5(train_annotation):
    prior = FrequencyPrior(train_annotation, grid=4, nms_thresh=0.5, top_k=5)
    # (0,0) has IoU exactly .5 with (0,1) and (1,1) IoU .5 with (0,1) and
    # (1,2): ties are kept.
    expected = np.array([[0.0, 0.5], [0.0, 0.25], [0.25, 0.75], [0.5, 1.0],
                         [0.25, 0.5]])
    np.testing.assert_allclose(prior.segments, expected)
    np.testing.assert_allclose(prior.scores, np.array([3, 2, 2, 2, 1]) / TOTAL)


def test_frequency_prior_nms_may_keep_fewer_than_top_k(train_annotation):
    prior = FrequencyPrior(train_annotation, grid=4, nms_thresh=0.4, top_k=5)
    np.testing.assert_allclose(prior.segments, [[0.0, 0.5], [0.25, 0.75], [0.5, 1.0]])
    np.testing.assert_allclose(prior.scores, np.array([3, 2, 2]) / TOTAL)
    for a in range(3):
        for b in range(a):
            assert segment_iou(prior.segments[a], prior.segments[b]) <= 0.4


def test_frequency_prior_tie_break_prefers_lower_j(tmp_path):
    # (0,0) and (0,2) both counted twice, (0,1) not at all; the lower j wins.
    moments = [('VIDA', 0.0, 7.0), ('VIDA', 1.0, 7.5), ('VIDA', 0.0, 2.0), ('VIDA', 1.0, 2.0)]
    ann = write_annotation(tmp_path, moments, {'VIDA': 10.0})
    prior = FrequencyPrior(ann, grid=4, nms_thresh=1.0, top_k=2)
    np.testing.assert_allclose(prior.segments, [[0.0, 0.25], [0.0, 0.75]])


def test_frequency_prior_predict_in_seconds(train_annotation):
    prior = FrequencyPrior(train_annotation, grid=4, nms_thresh=0.5, top_k=5)
    samples = _samples([30.0, 8.0])
    out = prior.forward(None, samples, mode='predict')
    assert out is samples
    for s, d in zip(samples, [30.0, 8.0]):
        assert isinstance(s.pred_moments, torch.Tensor)
        assert s.pred_moments.shape == (5, 2)
        np.testing.assert_allclose(s.pred_moments.numpy(), prior.segments * d)
        np.testing.assert_allclose(s.pred_scores.numpy(), prior.scores)


def test_prior_tensor_mode_returns_normalised(train_annotation):
    prior = FrequencyPrior(train_annotation, grid=4, nms_thresh=0.5, top_k=5)
    seg = prior.forward(None, _samples([30.0, 8.0, 1.0]), mode='tensor')
    assert isinstance(seg, torch.Tensor) and seg.shape == (3, 5, 2)
    np.testing.assert_allclose(seg[1].numpy(), prior.segments, atol=1e-6)


def test_prior_loss_mode_and_bad_calls_raise(train_annotation):
    prior = FrequencyPrior(train_annotation, grid=4)
    with pytest.raises(RuntimeError):
        prior.forward(None, _samples([10.0]), mode='loss')
    with pytest.raises(ValueError):
        prior.forward(None, None, mode='predict')
    with pytest.raises(ValueError):
        prior.forward(None, _samples([10.0]), mode='nonsense')


def test_prior_has_default_data_preprocessor(train_annotation):
    prior = FrequencyPrior(train_annotation, grid=4)
    assert isinstance(prior.data_preprocessor, GroundingDataPreprocessor)
    data = prior.data_preprocessor(dict(inputs={}, data_samples=_samples([5.0])))
    assert data['inputs'] == {} and len(data['data_samples']) == 1


def test_prior_needs_a_training_moment(tmp_path):
    ann = write_annotation(tmp_path, [], {'VIDA': 10.0})
    with pytest.raises(ValueError):
        FrequencyPrior(ann, grid=4)


# ----------------------------------------------------------------------------
# Fixed priors
# ----------------------------------------------------------------------------
def test_mean_moment_prior(train_annotation):
    prior = MeanMomentPrior(train_annotation)
    norm = np.array([(s / DURATIONS[v], e / DURATIONS[v]) for v, s, e in MOMENTS])
    np.testing.assert_allclose(prior.mean_moment, norm.mean(axis=0))
    samples = prior.forward(None, _samples([40.0, 4.0]), mode='predict')
    for s, d in zip(samples, [40.0, 4.0]):
        np.testing.assert_allclose(s.pred_moments.numpy(), [norm.mean(axis=0) * d])
        np.testing.assert_allclose(s.pred_scores.numpy(), [1.0])


def test_mean_moment_prior_uses_repaired_records(tmp_path):
    # an end past the duration is clipped to it, an inverted moment dropped
    moments = [('VIDA', 2.0, 12.0), ('VIDA', 8.0, 6.0), ('VIDA', 0.0, 4.0)]
    prior = MeanMomentPrior(write_annotation(tmp_path, moments, {'VIDA': 10.0}))
    np.testing.assert_allclose(prior.mean_moment, [0.1, 0.7])


def test_predict_all_prior():
    prior = PredictAllPrior()
    samples = prior.forward(None, _samples([12.5, 3.0]), mode='predict')
    np.testing.assert_allclose(samples[0].pred_moments.numpy(), [[0.0, 12.5]])
    np.testing.assert_allclose(samples[1].pred_moments.numpy(), [[0.0, 3.0]])
    np.testing.assert_allclose(samples[1].pred_scores.numpy(), [1.0])


# ----------------------------------------------------------------------------
# RandomPrior
# ----------------------------------------------------------------------------
def test_random_prior_reproducible_per_sample_idx_whatever_the_batch():
    prior = RandomPrior(seed=3)
    seg_a, sc_a = prior.predict_normalized(np.array([0, 7, 42]))
    seg_b, sc_b = prior.predict_normalized(np.array([42, 5, 7, 100]))
    seg_c, sc_c = RandomPrior(seed=3).predict_normalized(np.array([7]))
    np.testing.assert_array_equal(seg_a[1], seg_b[2])
    np.testing.assert_array_equal(seg_a[1], seg_c[0])
    np.testing.assert_array_equal(sc_a[1], sc_c[0])
    np.testing.assert_array_equal(seg_a[2], seg_b[0])
    # and different samples get different segments
    assert not np.array_equal(seg_a[0], seg_a[1])


def test_random_prior_forward_uses_sample_idx_metainfo():
    prior = RandomPrior(seed=1)
    one = prior.forward(None, _samples([10.0], idx=[9]), mode='predict')[0]
    batch = prior.forward(None, _samples([1.0, 10.0, 2.0], idx=[4, 9, 2]), mode='predict')
    np.testing.assert_allclose(one.pred_moments.numpy(), batch[1].pred_moments.numpy())
    np.testing.assert_allclose(one.pred_scores.numpy(), batch[1].pred_scores.numpy())
    seg, _ = prior.predict_normalized(np.array([9]))
    np.testing.assert_allclose(one.pred_moments.numpy(), seg[0][:len(one.pred_moments)] * 10.0)


def test_random_prior_segments_are_valid_ranked_and_non_overlapping():
    prior = RandomPrior(seed=0, num_candidates=40, nms_thresh=0.5, top_k=5)
    seg, sc = prior.predict_normalized(np.arange(50))
    assert seg.shape == (50, 5, 2) and sc.shape == (50, 5)
    assert np.isfinite(sc).all()       # 40 candidates always leave 5 after NMS
    assert (seg[..., 0] < seg[..., 1]).all()
    assert (seg >= 0).all() and (seg <= 1).all()
    assert (np.diff(sc, axis=1) <= 0).all()          # ranked by score
    iou = segment_iou(seg[:, :, None, :], seg[:, None, :, :])
    off = ~np.eye(5, dtype=bool)
    assert (iou[:, off] <= 0.5 + 1e-9).all()


def test_random_prior_differs_across_seeds():
    idx = np.arange(10)
    s0, _ = RandomPrior(seed=0).predict_normalized(idx)
    s0b, _ = RandomPrior(seed=0).predict_normalized(idx)
    s1, _ = RandomPrior(seed=1).predict_normalized(idx)
    np.testing.assert_array_equal(s0, s0b)
    assert not np.allclose(s0, s1)


def test_random_prior_is_roughly_uniform():
    prior = RandomPrior(seed=0, num_candidates=1, nms_thresh=1.0, top_k=1)
    seg, _ = prior.predict_normalized(np.arange(4000))
    # ends of two sorted uniforms: E[min] = 1/3, E[max] = 2/3
    assert seg[:, 0, 0].mean() == pytest.approx(1 / 3, abs=0.02)
    assert seg[:, 0, 1].mean() == pytest.approx(2 / 3, abs=0.02)
