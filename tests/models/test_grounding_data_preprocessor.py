"""GroundingDataPreprocessor: stacks per-sample inputs into batch tensors."""
import torch
from mmengine.dataset import default_collate, pseudo_collate

from dscnet_plugin.models import GroundingDataPreprocessor
from dscnet_plugin.structures import GroundingDataSample


def _items(n=3, t=5, d=4, length=6):
    out = []
    for k in range(n):
        out.append(dict(
            inputs=dict(video_feature=torch.full((t, d), float(k)),
                        video_mask=torch.ones(t, dtype=torch.bool),
                        query_tokens=torch.arange(length) + k),
            data_samples=GroundingDataSample(metainfo=dict(duration=10.0 + k))))
    return out


def test_pseudo_collated_lists_are_stacked():
    pre = GroundingDataPreprocessor()
    data = pre(pseudo_collate(_items()))
    inputs = data['inputs']
    assert inputs['video_feature'].shape == (3, 5, 4)
    assert inputs['video_mask'].shape == (3, 5) and inputs['video_mask'].dtype == torch.bool
    assert inputs['query_tokens'].shape == (3, 6)
    assert torch.equal(inputs['video_feature'][:, 0, 0], torch.tensor([0.0, 1.0, 2.0]))
    assert torch.equal(inputs['query_tokens'][2], torch.arange(6) + 2)
    assert [s.metainfo['duration'] for s in data['data_samples']] == [10.0, 11.0, 12.0]


def test_default_collated_tensors_pass_through():
    pre = GroundingDataPreprocessor()
    items = _items()
    batch = dict(inputs=default_collate([it['inputs'] for it in items]),
                 data_samples=[it['data_samples'] for it in items])
    data = pre(batch)
    assert data['inputs']['video_feature'].shape == (3, 5, 4)
    assert torch.equal(data['inputs']['query_tokens'], batch['inputs']['query_tokens'])


def test_missing_inputs_give_empty_dict():
    pre = GroundingDataPreprocessor()
    samples = [GroundingDataSample(metainfo=dict(duration=1.0))]
    data = pre(dict(data_samples=samples))
    assert data['inputs'] == {}
    assert [s.metainfo['duration'] for s in data['data_samples']] == [1.0]
