"""Tests of the pipeline transforms and of the batch data preprocessor."""
import pickle

import h5py
import numpy as np
import pytest
import torch
from mmengine.dataset import default_collate, pseudo_collate

from dscnet_plugin.datasets import (LoadVideoFeatures, PackGroundingInputs,
                                    QueryVocabulary, ResampleFeatures,
                                    TokenizeQuery, Vocabulary)
from dscnet_plugin.models import GroundingDataPreprocessor
from dscnet_plugin.registry import DATASETS, MODELS, TRANSFORMS
from dscnet_plugin.structures import GroundingDataSample
from dscnet_plugin.utils import build_pinned

NUM_FRAMES, MAX_LEN, DIM = 4, 6, 3


@pytest.fixture
def feature_file(tmp_path, charades_durations):
    """Flat HDF5 features of the tiny Charades videos, of different lengths."""
    path = tmp_path / 'features.h5'
    rng = np.random.default_rng(0)
    with h5py.File(path, 'w') as f:
        for t0, vid in zip((8, 4, 2), sorted(charades_durations)):
            f.create_dataset(vid, data=rng.standard_normal((t0, DIM)))
    return path


def _pipeline_cfg(feature_file, annotation, short_mode='interpolate'):
    return [
        dict(type='LoadVideoFeatures',
             reader=dict(type='VideoFeatures', path=str(feature_file))),
        dict(type='ResampleFeatures', num_frames=NUM_FRAMES, short_mode=short_mode),
        dict(type='TokenizeQuery', max_len=MAX_LEN,
             vocab=dict(type='QueryVocabulary', annotation=annotation)),
        dict(type='PackGroundingInputs'),
    ]


def _run(pipeline_cfg, results):
    for cfg in pipeline_cfg:
        results = build_pinned(TRANSFORMS, cfg)(results)
    return results


def test_full_pipeline_shapes_and_dtypes(feature_file, charades_cfg):
    packed = _run(_pipeline_cfg(feature_file, charades_cfg),
                  dict(video_id='v1', duration=8.0, query='A person holds a cup!',
                       gt_moment=[0.0, 2.5], sample_idx=7))
    inputs, sample = packed['inputs'], packed['data_samples']
    assert set(inputs) == {'video_feature', 'video_mask', 'query_tokens', 'query_mask'}
    assert inputs['video_feature'].shape == (NUM_FRAMES, DIM)
    assert inputs['video_feature'].dtype == torch.float32
    assert inputs['video_mask'].dtype == torch.bool and inputs['video_mask'].all()
    assert inputs['query_tokens'].shape == (MAX_LEN,)
    assert inputs['query_tokens'].dtype == torch.int64
    assert inputs['query_mask'].tolist() == [True] * 5 + [False]
    vocab = QueryVocabulary(charades_cfg)
    expected = [vocab.index['a'], vocab.index['person'], vocab.unk_index,  # holds
                vocab.index['a'], vocab.index['cup'], vocab.pad_index]
    assert inputs['query_tokens'].tolist() == expected
    assert isinstance(sample, GroundingDataSample)
    assert sample.metainfo == dict(video_id='v1', duration=8.0,
                                   query='A person holds a cup!', sample_idx=7,
                                   num_source_frames=8, query_length=5)
    assert sample.gt_moment.tolist() == [0.0, 2.5]


def test_load_and_resample_values(feature_file):
    with h5py.File(feature_file, 'r') as f:
        raw = f['v1'][()]
    results = LoadVideoFeatures(dict(type='VideoFeatures', path=str(feature_file)))(
        dict(video_id='v1'))
    assert results['num_source_frames'] == 8
    np.testing.assert_allclose(results['video_feature'], raw, rtol=1e-6)
    results = ResampleFeatures(NUM_FRAMES)(results)
    np.testing.assert_allclose(results['video_feature'],
                               raw.reshape(4, 2, DIM).mean(axis=1), rtol=1e-5)


def test_resample_pad_mode_sets_the_mask(feature_file, charades_cfg):
    packed = _run(_pipeline_cfg(feature_file, charades_cfg, short_mode='pad'),
                  dict(video_id='v3', query='someone sits'))
    assert packed['inputs']['video_mask'].tolist() == [True, True, False, False]
    assert packed['inputs']['video_feature'][2:].abs().sum() == 0
    assert packed['data_samples'].metainfo['num_source_frames'] == 2


def test_tokenize_query_with_a_built_vocabulary():
    results = TokenizeQuery(Vocabulary(['door', 'opens']), max_len=3)(
        dict(query='Opens the door, opens it'))
    assert results['query_tokens'].tolist() == [3, 1, 2]
    assert results['query_mask'].tolist() == [True, True, True]
    assert results['query_length'] == 3


def test_pack_copies_only_listed_keys():
    pack = PackGroundingInputs(input_keys=('video_feature',), meta_keys=('video_id',))
    packed = pack(dict(video_id='v', duration=3.0, video_feature=np.ones((2, 2)),
                       query_tokens=np.zeros(3, np.int64)))
    assert list(packed['inputs']) == ['video_feature']
    assert packed['data_samples'].metainfo == dict(video_id='v')
    assert 'gt_moment' not in packed['data_samples']


def test_load_transform_pickles_after_use(feature_file):
    transform = LoadVideoFeatures(dict(type='VideoFeatures', path=str(feature_file)))
    first = transform(dict(video_id='v2'))['video_feature']
    clone = pickle.loads(pickle.dumps(transform))
    np.testing.assert_array_equal(clone(dict(video_id='v2'))['video_feature'], first)


def _grounding_dataset(feature_file, annotation):
    return build_pinned(DATASETS, dict(type='GroundingDataset', annotation=annotation,
                                       pipeline=_pipeline_cfg(feature_file, annotation),
                                       test_mode=True))


def test_preprocessor_stacks_a_pseudo_collated_batch(feature_file, charades_cfg):
    dataset = _grounding_dataset(feature_file, charades_cfg)
    batch = pseudo_collate([dataset[0], dataset[2]])
    assert isinstance(batch['inputs']['video_feature'], list)
    preprocessor = build_pinned(MODELS, dict(type='GroundingDataPreprocessor'))
    assert isinstance(preprocessor, GroundingDataPreprocessor)
    out = preprocessor(batch)
    inputs = out['inputs']
    assert inputs['video_feature'].shape == (2, NUM_FRAMES, DIM)
    assert inputs['video_feature'].dtype == torch.float32
    assert inputs['video_mask'].shape == (2, NUM_FRAMES)
    assert inputs['query_tokens'].shape == (2, MAX_LEN)
    assert inputs['query_mask'].shape == (2, MAX_LEN)
    torch.testing.assert_close(inputs['video_feature'][1],
                               dataset[2]['inputs']['video_feature'])
    samples = out['data_samples']
    assert [s.metainfo['sample_idx'] for s in samples] == [0, 2]
    assert [s.metainfo['video_id'] for s in samples] == [
        dataset.get_data_info(i)['video_id'] for i in (0, 2)]


def test_preprocessor_accepts_a_default_collated_batch(feature_file, charades_cfg):
    dataset = _grounding_dataset(feature_file, charades_cfg)
    items = [dataset[1], dataset[3]]
    batch = dict(inputs=default_collate([it['inputs'] for it in items]),
                 data_samples=[it['data_samples'] for it in items])
    out = GroundingDataPreprocessor()(batch)
    assert out['inputs']['video_feature'].shape == (2, NUM_FRAMES, DIM)
    torch.testing.assert_close(out['inputs']['query_tokens'][0],
                               items[0]['inputs']['query_tokens'])

