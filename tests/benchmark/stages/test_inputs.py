"""``dscnet_plugin.benchmark.stages.inputs``: random inputs of the planned
sizes."""
import numpy as np
import torch

from dscnet_plugin.benchmark.stages.inputs import (RandomVideoSet, RandomWordVectors, nbytes,
                                                   random_queries, random_videos, samples)
from dscnet_plugin.benchmark.stages.plan import Plan

COUNTS = dict(train_videos=3, train_queries=5, test_videos=2, test_queries=4)


def _plan() -> Plan:
    return Plan('charades', 'cpu', 1.0, True, COUNTS, COUNTS,
                dict(max_query_len=6, vocab_size=50, num_frames=4, feature_dim=3), seed=7)


def test_word_vectors():
    vectors, found = RandomWordVectors(8, seed=1).lookup(['a', 'b', 'c'])
    assert vectors.shape == (3, 8) and vectors.dtype == np.float32 and found.all()
    assert np.array_equal(vectors, RandomWordVectors(8, seed=1).lookup(['x', 'y', 'z'])[0])


def test_queries_are_padded_token_ids():
    tokens, mask = random_queries(200, _plan())
    assert tokens.shape == mask.shape == (200, 6) and mask.dtype == torch.bool
    lengths = mask.sum(1)
    assert lengths.min() >= 3 and lengths.max() <= 6
    assert (mask[:, :-1] >= mask[:, 1:]).all()  # real tokens first, then padding
    assert (tokens[~mask] == 0).all() and (tokens[mask] >= 2).all() and tokens.max() < 50


def test_videos_and_samples():
    feats, mask = random_videos(3, _plan())
    assert feats.shape == (3, 4, 3) and mask.shape == (3, 4) and mask.all()
    assert 0 <= feats.min() and feats.max() < 1
    assert nbytes(feats, mask) == 3 * 4 * 3 * 4 + 3 * 4
    items = samples(3, seed=2)
    assert [s.video_index for s in items] == [0, 1, 2]
    assert all(20.0 <= s.duration <= 200.0 for s in items)


def test_video_set_draws_each_video_when_read():
    videos = RandomVideoSet(3, _plan())
    assert len(videos) == 3
    item = videos[2]
    assert item['inputs']['video_feature'].shape == (4, 3) and item['inputs']['video_mask'].all()
    assert item['data_samples'].video_index == 2
    assert torch.equal(videos[2]['inputs']['video_feature'], item['inputs']['video_feature'])
    assert not torch.equal(videos[1]['inputs']['video_feature'], item['inputs']['video_feature'])
