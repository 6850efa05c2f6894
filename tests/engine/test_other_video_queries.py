"""The other-video-query control of ``PriorComparisonHook``: every control
query comes from another video, fixed by the seed, whatever the batches;
the control pass really feeds other queries (a query-reading model loses
its hits there, a query-ignoring one does not) and the curve correlation
tells the two apart."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.dataset import BaseDataset, DefaultSampler, pseudo_collate
from mmengine.model import BaseModel
from torch.utils.data import DataLoader

from dscnet_plugin.datasets import PackGroundingInputs
from dscnet_plugin.engine import PriorComparisonHook
from dscnet_plugin.engine.hooks.other_video_queries import (OtherVideoQueryDataset,
                                                            other_video_donors)
from dscnet_plugin.engine.hooks.prior_comparison_hook import curve_correlations
from dscnet_plugin.evaluation import GroundingRecall
from dscnet_plugin.models.data_preprocessors import GroundingDataPreprocessor
from dscnet_plugin.visualization import METRIC_KEYS

T = 16
#: 5 videos with 1-4 samples each (uneven, as in real test files).
VIDEO_OF_SAMPLE = ['a', 'a', 'a', 'b', 'b', 'c', 'c', 'c', 'c', 'd', 'e', 'e']


def tokenize(results: dict) -> dict:
    """Pipeline step: query 'q<k>' -> tokens [k, k] (the real pipelines
    tokenise ``query`` the same way, after the substitution)."""
    k = int(results['query'][1:])
    results['query_tokens'] = np.array([k, k], dtype=np.int64)
    results['query_mask'] = np.ones(2, dtype=bool)
    return results


class TinySamples(BaseDataset):
    """Sample k: video VIDEO_OF_SAMPLE[k], query 'q<k>', target frame k."""

    def load_data_list(self):
        return [dict(video_id=v, duration=float(T), query=f'q{k}', gt_moment=[k, k + 1.0],
                     video_feature=np.ones((T, 1), np.float32), video_mask=np.ones(T, bool))
                for k, v in enumerate(VIDEO_OF_SAMPLE)]


def tiny_dataset() -> TinySamples:
    return TinySamples(pipeline=[tokenize, PackGroundingInputs()], serialize_data=False)


class PeakModel(BaseModel):
    """Frame scores peaking at frame ``query token`` (``reads_query``) or at
    frame 0 whatever the query; predicts the peak frame. Records the tokens
    it was given per sample."""

    def __init__(self, reads_query: bool) -> None:
        super().__init__(data_preprocessor=GroundingDataPreprocessor())
        self.reads_query = reads_query
        self.fed = {}

    def _curves(self, inputs):
        b, t = inputs['video_mask'].shape
        centre = (inputs['query_tokens'][:, 0].double() if self.reads_query
                  else torch.zeros(b, dtype=torch.float64))
        frames = torch.arange(t, dtype=torch.float64)
        return torch.exp(-(frames[None] - centre[:, None]) ** 2)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        curves = self._curves(inputs)
        if mode == 'tensor':
            return curves
        peak = curves.argmax(1).double()
        for s, p, tok in zip(data_samples, peak, inputs['query_tokens'][:, 0]):
            self.fed[int(s.metainfo['sample_idx'])] = int(tok)
            s.pred_moments = torch.stack([p, p + 1])[None]
            s.pred_scores = torch.ones(1)
        return data_samples


def _loader(dataset, batch_size=5, shuffle=False, **kw):
    return DataLoader(dataset, batch_size=batch_size, collate_fn=pseudo_collate,
                      sampler=DefaultSampler(dataset, shuffle=shuffle, **kw))


def _evaluator():
    return SimpleNamespace(metrics=[GroundingRecall(topk=(1, 5))])


def _true_metrics(model, loader):
    metric = GroundingRecall(topk=(1, 5))
    for batch in loader:
        metric.process(None, [o.to_dict() for o in model.test_step(batch)])
    return metric.evaluate(len(loader.dataset))


# ------------------------------------------------------------- donors
def test_every_donor_is_of_another_video_and_fixed_by_the_seed():
    videos = np.array(VIDEO_OF_SAMPLE * 3)  # 36 samples, 'c' holds a third of them
    a = other_video_donors(videos, seed=0)
    assert a.shape == (36,) and a.dtype == np.int64
    assert (videos[a] != videos).all()
    np.testing.assert_array_equal(a, other_video_donors(list(videos), seed=0))
    b = other_video_donors(videos, seed=1)
    assert (videos[b] != videos).all() and not np.array_equal(a, b)
    # nearly a permutation: most samples donate once
    assert len(np.unique(a)) >= 0.6 * len(a)


def test_donors_of_two_videos_and_of_one():
    # 9 samples of one video, 1 of another: the 9 all take the single one
    videos = ['big'] * 9 + ['small']
    donors = other_video_donors(videos, seed=3)
    assert (donors[:9] == 9).all() and donors[9] < 9
    with pytest.raises(ValueError, match='at least two videos.*video \'v\''):
        other_video_donors(['v'] * 4)


def test_control_dataset_carries_the_donor_query_and_the_own_rest():
    dataset = tiny_dataset()
    donors = other_video_donors(VIDEO_OF_SAMPLE, seed=0)
    control = OtherVideoQueryDataset(dataset, donors)
    for i in range(len(dataset)):
        item = control[i]
        sample = item['data_samples']
        assert sample.metainfo['sample_idx'] == i
        assert sample.metainfo['video_id'] == VIDEO_OF_SAMPLE[i]
        assert sample.metainfo['query'] == f'q{donors[i]}'
        assert item['inputs']['query_tokens'].tolist() == [donors[i]] * 2
        assert item['true_inputs']['query_tokens'].tolist() == [i] * 2
        assert sample.gt_moment.tolist() == [i, i + 1]  # the own ground truth


# -------------------------------------------------- the control pass
def test_control_row_of_a_query_reading_model_loses_every_hit():
    dataset = tiny_dataset()
    model = PeakModel(reads_query=True)
    hook = PriorComparisonHook(other_video_queries=True, seed=0)
    main = _true_metrics(model, _loader(dataset))
    assert main['R1@0.5'] == 100.0 and main['mIoU'] == pytest.approx(100.0)
    model.fed.clear()
    control = hook.evaluate_other_video(model, _loader(dataset), _evaluator())
    # every sample was fed its donor's query, the donor of another video
    donors = hook.last_donors
    assert model.fed == {i: int(donors[i]) for i in range(len(dataset))}
    assert all(VIDEO_OF_SAMPLE[donors[i]] != VIDEO_OF_SAMPLE[i] for i in range(len(dataset)))
    # the peak lands on the donor's frame: no top-1 hit, IoU 0 everywhere
    for k in METRIC_KEYS:
        assert control[k] == 0.0, k
    assert hook.last_curve_correlation < 0.5
    assert control['curve_corr'] == hook.last_curve_correlation


def test_control_row_of_a_query_ignoring_model_equals_its_main_row():
    dataset = tiny_dataset()
    model = PeakModel(reads_query=False)
    hook = PriorComparisonHook(other_video_queries=True, seed=0)
    main = _true_metrics(model, _loader(dataset))
    control = hook.evaluate_other_video(model, _loader(dataset), _evaluator())
    for k in METRIC_KEYS:
        assert control[k] == main[k], k
    assert hook.last_curve_correlation == 1.0


def test_control_does_not_depend_on_the_batches():
    dataset = tiny_dataset()
    model = PeakModel(reads_query=True)
    hook = PriorComparisonHook(other_video_queries=True, seed=4)
    hook.evaluate_other_video(model, _loader(dataset, batch_size=5), _evaluator())
    first, donors = dict(model.fed), hook.last_donors.copy()
    model.fed.clear()
    hook.evaluate_other_video(model, _loader(dataset, batch_size=2, shuffle=True, seed=9),
                              _evaluator())
    assert model.fed == first
    np.testing.assert_array_equal(hook.last_donors, donors)
    # a rank's shard ([r::2] of DefaultSampler) feeds the same donors to its samples
    model.fed.clear()
    shard = list(range(len(dataset)))[1::2]
    loader = DataLoader(dataset, batch_size=4, collate_fn=pseudo_collate, sampler=shard)
    hook.evaluate_other_video(model, loader, _evaluator())
    assert model.fed == {i: first[i] for i in shard}
    # another seed: other donors
    other = PriorComparisonHook(other_video_queries=True, seed=5)
    model.fed.clear()
    other.evaluate_other_video(model, _loader(dataset), _evaluator())
    assert model.fed != first


def test_curve_correlation_on_real_frames_only():
    true = torch.tensor([[0., 1., 2., 3.], [1., 1., 1., 1.], [0., 1., 2., 9.]])
    other = torch.tensor([[0., 2., 4., 6.], [1., 1., 1., 1.], [2., 1., 0., -5.]])
    mask = torch.tensor([[True] * 4, [True] * 4, [True, True, True, False]])
    corr = curve_correlations(true, other, mask)
    # linear: 1; equal constants: 1; reversed on the 3 real frames: -1 (padding ignored)
    assert corr.tolist() == pytest.approx([1.0, 1.0, -1.0], abs=1e-12)
    assert torch.isnan(curve_correlations(true[:1], torch.ones(1, 4), mask[:1])).all()


def test_shuffled_queries_is_a_deprecated_alias():
    with pytest.warns(DeprecationWarning, match='other_video_queries'):
        hook = PriorComparisonHook(shuffled_queries=True)
    assert hook.other_video_queries
    assert not PriorComparisonHook().other_video_queries


def test_control_pass_keeps_the_true_queries_score_ratios():
    """A model that records what it predicts (DSCNet's adjacent-frame score
    ratios) ends the control pass with the true queries' records only."""

    class RecordingModel(PeakModel):
        def forward(self, inputs, data_samples=None, mode='tensor'):
            if mode == 'predict':
                self.score_ratios = self.score_ratios + [torch.ones(1)]  # as DSCNet does
            return super().forward(inputs, data_samples, mode)

    dataset = tiny_dataset()
    model = RecordingModel(reads_query=True)
    true_records = [torch.tensor([0.5])]
    model.score_ratios = true_records
    PriorComparisonHook(other_video_queries=True, seed=0).evaluate_other_video(
        model, _loader(dataset), _evaluator())
    assert model.score_ratios is true_records
