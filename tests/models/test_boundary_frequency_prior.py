"""BoundaryFrequencyPrior: change evidence at frame boundaries + the
frequency grid, reading the video but not the query."""
import numpy as np
import pytest
import torch

from dscnet_plugin.models import BoundaryFrequencyPrior
from dscnet_plugin.models.baselines import boundary_evidence
from dscnet_plugin.structures import GroundingDataSample
from .test_priors import write_annotation


def step_video(t: int, start: int, end: int, dim: int = 6, noise: float = 0.0,
               seed: int = 0) -> torch.Tensor:
    """``t x dim`` features that jump at frames ``start`` and ``end``."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(t, dim, generator=g) * noise
    x[start:end] += 3.0
    return x


def test_evidence_peaks_at_the_jumps_and_respects_padding():
    feats = torch.stack([step_video(20, 6, 13), torch.zeros(20, 6)])
    feats[1, :12] = step_video(12, 4, 8)[:12]
    mask = torch.zeros(2, 20, dtype=torch.bool)
    mask[0] = True
    mask[1, :12] = True
    ev = boundary_evidence(feats, mask, window=2, edge_score=5.0)
    assert ev.shape == (2, 21)
    inner0 = ev[0, 1:20]
    top2 = set((torch.topk(inner0, 2).indices + 1).tolist())
    assert top2 == {6, 13}
    assert ev[0, 0] == 5.0 and ev[0, 20] == 5.0       # video ends
    assert ev[1, 12] == 5.0 and torch.isinf(ev[1, 13:]).all() and (ev[1, 13:] < 0).all()
    assert set((torch.topk(ev[1, 1:12], 2).indices + 1).tolist()) == {4, 8}
    # z-scored over the real inner boundaries
    assert abs(float(inner0.mean())) < 1e-4


def test_padding_does_not_change_a_video(train_annotation):
    model = BoundaryFrequencyPrior(train_annotation, grid=4, boundary_weight=1.0, window=2)
    x = step_video(16, 5, 11, noise=0.1)
    alone = model.predict_normalized(x[None], torch.ones(1, 16, dtype=torch.bool))
    padded = torch.cat([x, torch.full((8, 6), 7.0)])[None]
    mask = torch.zeros(1, 24, dtype=torch.bool)
    mask[0, :16] = True
    with_pad = model.predict_normalized(padded, mask)
    np.testing.assert_allclose(alone[0], with_pad[0])
    np.testing.assert_allclose(alone[1], with_pad[1], rtol=1e-6)


@pytest.fixture
def train_annotation(tmp_path):
    return write_annotation(tmp_path)


def test_boundary_weight_snaps_the_answer_to_the_jumps(train_annotation):
    # Grid N = 4 of the test moments: the most frequent cell is [0, .5].
    x = step_video(40, 14, 27, noise=0.05)[None]
    mask = torch.ones(1, 40, dtype=torch.bool)
    prior_only = BoundaryFrequencyPrior(train_annotation, grid=4, boundary_weight=0.0,
                                        smoothing=0.0, window=3)
    seg, _ = prior_only.predict_normalized(x, mask)
    s, e = seg[0, 0]
    assert s < 0.25 and 0.25 < e <= 0.5        # a segment of the top cell [0, .5]
    snapped = BoundaryFrequencyPrior(train_annotation, grid=4, boundary_weight=2.0,
                                     smoothing=0.5, window=3)
    seg, scores = snapped.predict_normalized(x, mask)
    np.testing.assert_allclose(seg[0, 0], [14 / 40, 27 / 40])
    assert np.all(np.diff(scores[0][np.isfinite(scores[0])]) <= 0)   # best first


def test_scores_follow_the_training_frequencies(train_annotation):
    model = BoundaryFrequencyPrior(train_annotation, grid=4, boundary_weight=0.0,
                                   smoothing=0.0)
    score = model.segment_scores(torch.zeros(1, 8, 3), torch.ones(1, 8, dtype=torch.bool))
    # boundaries k / 8: [0, 4/8] is cell (0, 1) x3, [2/8, 6/8] cell (1, 2) x2
    assert score[0, 0, 4] == pytest.approx(np.log(3 / 12))
    assert score[0, 2, 6] == pytest.approx(np.log(2 / 12))
    assert torch.isinf(score[0, 5, 5]) and torch.isinf(score[0, 6, 2])


def test_predict_fills_seconds_and_ignores_the_query(train_annotation):
    model = BoundaryFrequencyPrior(train_annotation, grid=4, top_k=3, window=2)
    feats = torch.stack([step_video(16, 3, 9), step_video(16, 3, 9)])
    inputs = dict(video_feature=feats, video_mask=torch.ones(2, 16, dtype=torch.bool),
                  query_tokens=torch.tensor([[1, 2], [5, 6]]),
                  query_mask=torch.ones(2, 2, dtype=torch.bool))
    samples = [GroundingDataSample(metainfo=dict(duration=d, sample_idx=i))
               for i, d in enumerate((8.0, 32.0))]
    out = model(inputs, samples, mode='predict')
    assert out[0].pred_moments.shape == (3, 2)
    np.testing.assert_allclose(out[1].pred_moments, out[0].pred_moments * 4)
    np.testing.assert_allclose(out[0].pred_scores, out[1].pred_scores)
    with pytest.raises(RuntimeError, match='nothing to train'):
        model(inputs, samples, mode='loss')
