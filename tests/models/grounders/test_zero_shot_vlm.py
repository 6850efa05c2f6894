"""ZeroShotVLMGrounder and its proposal scores, on hand-made curves."""
import numpy as np
import pytest
import torch
from mmengine.config import Config

from dscnet_plugin.models import ZeroShotVLMGrounder
from dscnet_plugin.models.grounders.proposal_scoring import (
    dynamic_scores, masked_gaussian_smooth, normalize_curve, proposal_frames, proposal_grid,
    static_scores)
from dscnet_plugin.registry import MODELS
from dscnet_plugin.structures import GroundingDataSample
from dscnet_plugin.utils import build_pinned

D = 16


def _video(t, bumps, dim=D, noise=0.05, seed=0):
    """``t x dim`` frames: frames of bump ``(start, end, axis)`` point along
    ``axis``, the rest is small noise orthogonal to the query axes 0-3."""
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(t, dim, generator=g) * noise
    v[:, :4] = 0
    v[:, 4] += 1.0  # a shared "appearance" direction
    for s, e, axis in bumps:
        v[s:e, axis] += 2.0
    return v


def _axis(k, dim=D):
    q = torch.zeros(dim)
    q[k] = 1.0
    return q


def _samples(durations):
    return [GroundingDataSample(metainfo=dict(duration=float(d))) for d in durations]


def _inputs(videos, queries, lengths):
    t = videos[0].shape[0]
    mask = torch.arange(t)[None, :] < torch.tensor(lengths)[:, None]
    return dict(video_feature=torch.stack(videos), video_mask=mask,
                query_feature=torch.stack(queries))


def test_one_bump_is_the_top_segment():
    model = ZeroShotVLMGrounder()
    out = model(_inputs([_video(50, [(10, 20, 0)])], [_axis(0)], [50]), _samples([100.0]))
    moments, scores = out[0].pred_moments, out[0].pred_scores
    assert torch.equal(moments[0], torch.tensor([20.0, 40.0], dtype=torch.float64))
    assert moments.shape == (5, 2) and scores.shape == (5,)
    assert bool((scores[:-1] >= scores[1:]).all())


def test_the_query_chooses_the_segment():
    video = _video(60, [(6, 18, 0), (36, 48, 1)])
    model = ZeroShotVLMGrounder()
    out = model(_inputs([video, video], [_axis(0), _axis(1)], [60, 60]), _samples([60, 60]))
    assert out[0].pred_moments[0].tolist() == [6.0, 18.0]
    assert out[1].pred_moments[0].tolist() == [36.0, 48.0]


def test_padded_frames_never_enter_a_prediction():
    # the second video has 30 real frames; its padding points along the query
    short = _video(40, [(6, 12, 0)], seed=1)
    short[30:] = _axis(0) * 10
    long = _video(40, [(20, 32, 0)], seed=2)
    inputs = _inputs([long, short], [_axis(0), _axis(0)], [40, 30])
    model = ZeroShotVLMGrounder(grower=dict(top_k=20, nms_thresh=1.0))
    out = model(inputs, _samples([80.0, 15.0]))
    assert out[0].pred_moments[0].tolist() == [40.0, 64.0]
    # short video: 30 real frames over 15 s, bump frames 6-11 -> 3 s to 6 s
    assert out[1].pred_moments[0].tolist() == [3.0, 6.0]
    assert float(out[1].pred_moments.max()) <= 15.0
    segments, _, curves = model.score_proposals(inputs)
    assert float(segments[1].max()) <= 1.0
    assert torch.all(curves[1, 30:] == 0)


def test_tensor_mode_gives_the_curves():
    model = ZeroShotVLMGrounder(grower=dict(normalize='none'))
    videos = [_video(20, [(3, 6, 0)]), _video(20, [(10, 14, 0)], seed=3)]
    inputs = _inputs(videos, [_axis(0) * 3.0, _axis(0)], [20, 12])
    curves = model(inputs, mode='tensor')
    assert curves.shape == (2, 20)
    v = torch.nn.functional.normalize(inputs['video_feature'], dim=-1)
    expected = v[..., 0] * inputs['video_mask']  # cosine with axis 0 (scale-free)
    assert torch.allclose(curves, expected, atol=1e-6)


def test_loss_mode_and_bad_inputs_are_clear_errors():
    model = ZeroShotVLMGrounder()
    inputs = _inputs([_video(10, [])], [_axis(0)], [10])
    with pytest.raises(RuntimeError, match='nothing to train'):
        model(inputs, _samples([10]), mode='loss')
    with pytest.raises(ValueError, match='query_feature must be B x D'):
        model(dict(inputs, query_feature=torch.zeros(1, D + 1)), _samples([10]))
    with pytest.raises(KeyError, match='LoadQueryFeatures'):
        model(dict(video_feature=inputs['video_feature'], video_mask=inputs['video_mask']),
              _samples([10]))
    holes = inputs['video_mask'].clone()
    holes[0, 3] = False
    with pytest.raises(ValueError, match='real frames first'):
        model(dict(inputs, video_mask=holes), _samples([10]))
    with pytest.raises(ValueError, match='no real frame'):
        model(dict(inputs, video_mask=torch.zeros_like(holes)), _samples([10]))
    with pytest.raises(ValueError, match='scales'):
        ZeroShotVLMGrounder(grower=dict(scales=(0.0, 0.5)))


def test_through_the_data_preprocessor_and_the_config():
    cfg = Config.fromfile('configs/_base_/models/zeroshot_vlm.py')
    model = build_pinned(MODELS, cfg.model)
    assert isinstance(model, ZeroShotVLMGrounder) and model.grower.top_k == 5
    assert len(list(model.parameters())) == 0
    data = dict(inputs=dict(video_feature=[_video(50, [(10, 20, 0)])],
                            video_mask=[torch.ones(50, dtype=torch.bool)],
                            query_feature=[_axis(0)]),
                data_samples=_samples([50.0]))
    out = model.test_step(data)
    assert out[0].pred_moments[0].tolist() == [10.0, 20.0]


# ----------------------------------------------------------- the scores
def test_proposal_grid():
    grid = proposal_grid((0.5, 1.0), 0.5)
    assert grid.tolist() == [[0, .5], [.25, .75], [.5, 1], [0, 1]]
    # a stride that does not divide (1 - s) adds the window ending at 1
    np.testing.assert_allclose(proposal_grid((0.4,), 1.0), [[0, .4], [.4, .8], [.6, 1]])


def test_proposal_frames_round_and_stay_in_the_real_frames():
    grid = torch.tensor([[0.0, 0.25], [0.9, 1.0], [0.5, 0.5]], dtype=torch.float64)
    a, b = proposal_frames(grid, torch.tensor([10, 3]))
    # 10 frames: [0, 2.5) -> [0, 3); [9, 10); empty [5, 5) -> [5, 6)
    assert a.tolist() == [[0, 9, 5], [0, 2, 2]] and b.tolist() == [[3, 10, 6], [1, 3, 3]]


def test_static_score_is_inside_minus_outside_mean():
    curve = torch.tensor([[0.0, 1.0, 1.0, 0.0, 0.5, 0.0]])
    active = torch.ones_like(curve, dtype=torch.bool)
    start, end = torch.tensor([[1, 0, 0]]), torch.tensor([[3, 6, 2]])
    s = static_scores(curve, active, start, end)
    # [1, 3): 1 - .5 / 4;  the whole video: no outside -> 0;  [0, 2): .5 - 1.5 / 4
    np.testing.assert_allclose(s, [[0.875, 0.0, 0.125]])
    # thresholded frames leave the outside mean (TFVTG): outside = {4} only
    active = curve > 0
    s = static_scores(curve * active, active, start[:, :1], end[:, :1])
    np.testing.assert_allclose(s, [[0.5]])


def test_dynamic_score_is_rise_at_start_and_fall_at_end():
    curve = torch.tensor([[0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.2, 0.2]])
    lengths = torch.tensor([8])
    start, end = torch.tensor([[2, 0, 3]]), torch.tensor([[6, 6, 5]])
    d = dynamic_scores(curve, lengths, start, end, 0.5)
    # [2, 6), band 2: rise 1 - 0, fall 1 - .2 -> .9
    # [0, 6): no frame before -> fall only: band 3, mean(1,1,1) - mean(.2,.2) = .8
    # [3, 5), band 1: rise 1 - 1 = 0, fall 1 - 1 = 0
    np.testing.assert_allclose(d, [[0.9, 0.8, 0.0]], atol=1e-7)


def test_curve_normalisation_and_masked_smoothing():
    curve = torch.tensor([[1.0, 3.0, 2.0, 9.0]])
    mask = torch.tensor([[True, True, True, False]])
    assert normalize_curve(curve, mask, 'minmax').tolist() == [[0.0, 1.0, 0.5, 0.0]]
    z = normalize_curve(curve, mask, 'zscore')
    assert float(z[0, :3].mean()) == pytest.approx(0.0, abs=1e-6) and float(z[0, 3]) == 0.0
    flat = torch.ones(1, 4)
    assert normalize_curve(flat, mask, 'minmax').tolist() == [[0.0] * 4]
    # a constant curve stays constant under masked smoothing (padding adds no weight)
    smooth = masked_gaussian_smooth(torch.full((1, 4), 2.0), mask, 1.0, 2.0)
    np.testing.assert_allclose(smooth, [[2.0, 2.0, 2.0, 0.0]], rtol=1e-6)
    with pytest.raises(ValueError, match='normalize'):
        normalize_curve(curve, mask, 'softmax')


def _curve_inputs(curve):
    """Frames ``[c, sqrt(1 - c^2)]`` and query ``[1, 0]``: the cosine is ``c``."""
    video = torch.stack([curve, (1 - curve ** 2).sqrt()], 1)
    return dict(video_feature=video[None], video_mask=torch.ones(1, len(curve), dtype=torch.bool),
                query_feature=torch.tensor([[1.0, 0.0]]))


def test_dynamic_weight_moves_the_answer_to_the_sharp_edges():
    """Curve 0 x5, 1 x5, .55 x5, 0 x5. Static: [5, 10) 1 - 2.75 / 15 = .8167
    beats [5, 15) .775 - 0. Dynamic (no smoothing): [5, 10), band 1: rise 1,
    fall 1 - .55 -> .725; [5, 15), band 3: rise 1, fall .55 -> .775. With
    weight 1: 1.5417 < 1.55, the whole step wins."""
    inputs = _curve_inputs(torch.tensor([0.0] * 5 + [1.0] * 5 + [0.55] * 5 + [0.0] * 5))
    kw = dict(normalize='none', dynamic_sigma=0.0, scales=(0.25, 0.5), stride_ratio=0.25)
    seg, static, _ = ZeroShotVLMGrounder(grower=dict(dynamic_weight=0.0, **kw)).score_proposals(inputs)
    _, both, _ = ZeroShotVLMGrounder(grower=dict(dynamic_weight=1.0, **kw)).score_proposals(inputs)
    assert seg[0, int(static[0].argmax())].tolist() == [0.25, 0.5]
    assert seg[0, int(both[0].argmax())].tolist() == [0.25, 0.75]
    assert float(static[0].max()) == pytest.approx(0.8 + 1 / 60)
    assert float(both[0].max()) == pytest.approx(1.55)


def test_min_similarity_drops_low_frames_from_the_outside_mean():
    # .1 frames are below the threshold: with it, [2, 4) scores 1 - .5 (the
    # one active outside frame); without, 1 - (.5 + 3 x .1) / 4
    inputs = _curve_inputs(torch.tensor([0.1, 0.1, 1.0, 1.0, 0.5, 0.1]))
    kw = dict(normalize='none', dynamic_weight=0.0, scales=(1 / 3,), stride_ratio=1.0)
    seg, with_thr, _ = ZeroShotVLMGrounder(grower=dict(min_similarity=0.2, **kw)).score_proposals(inputs)
    _, without, _ = ZeroShotVLMGrounder(grower=kw).score_proposals(inputs)
    assert seg[0, 1].tolist() == pytest.approx([1 / 3, 2 / 3])
    assert float(with_thr[0, 1]) == pytest.approx(0.5)
    assert float(without[0, 1]) == pytest.approx(1 - 0.8 / 4)
