"""The unsupervised protocol: training items never pair a query with a video
and never carry a boundary; only the evaluation split holds moments."""
import random

import pytest

from dscnet_plugin.datasets import (BOUNDARY_FIELDS, QUERY_FIELDS, VIDEO_FIELDS,
                                    AnnotationError, GroundingDataset, QuerySetDataset,
                                    UnpairedVideoDataset)
from dscnet_plugin.registry import DATA_SOURCES, DATASETS
from dscnet_plugin.structures import GroundingDataSample
from dscnet_plugin.utils import build_pinned

PACK = [dict(type='PackGroundingInputs')]


def _build(type_name, annotation, pipeline=()):
    return build_pinned(DATASETS, dict(type=type_name, annotation=annotation,
                                       pipeline=list(pipeline)))


def _forbidden_for_videos():
    return set(BOUNDARY_FIELDS) | set(QUERY_FIELDS)


def _forbidden_for_queries():
    return set(BOUNDARY_FIELDS) | set(VIDEO_FIELDS)


def test_field_sets_are_disjoint():
    assert 'gt_moment' in BOUNDARY_FIELDS and 'timestamps' in BOUNDARY_FIELDS
    assert {'video_id', 'duration'} <= set(VIDEO_FIELDS)
    assert 'query' in QUERY_FIELDS
    assert not set(BOUNDARY_FIELDS) & set(VIDEO_FIELDS)
    assert not set(BOUNDARY_FIELDS) & set(QUERY_FIELDS)
    assert not set(VIDEO_FIELDS) & set(QUERY_FIELDS)


def test_video_items_hold_no_query_or_boundary(charades_cfg, charades_durations):
    dataset = _build('UnpairedVideoDataset', charades_cfg)
    assert isinstance(dataset, UnpairedVideoDataset)
    assert len(dataset) == 3  # one item per distinct video
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        assert not _forbidden_for_videos() & set(info)
        assert set(info) == {'video_id', 'duration', 'video_index', 'sample_idx'}
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [x['video_id'] for x in infos] == ['v1', 'v2', 'v3']  # sorted ids
    assert [x['video_index'] for x in infos] == [0, 1, 2]
    assert [x['duration'] for x in infos] == [charades_durations[v]
                                              for v in ('v1', 'v2', 'v3')]


def test_query_items_hold_no_video_or_boundary(charades_cfg, charades_lines):
    dataset = _build('QuerySetDataset', charades_cfg)
    assert isinstance(dataset, QuerySetDataset)
    assert len(dataset) == len(charades_lines)  # duplicates kept
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        assert not _forbidden_for_queries() & set(info)
        assert set(info) == {'query', 'query_id', 'query_index', 'sample_idx'}
    queries = [dataset.get_data_info(i)['query'] for i in range(len(dataset))]
    assert queries == sorted(line.split('##')[1] for line in charades_lines)
    assert queries.count('Person opens the door.') == 2
    # each query keeps its record id (its line order); equal texts by id
    ids = {(dataset.get_data_info(i)['query'], dataset.get_data_info(i)['query_id'])
           for i in range(len(dataset))}
    assert ids == {(line.split('##')[1], str(k)) for k, line in enumerate(charades_lines)}
    assert [dataset.get_data_info(i)['query_id'] for i in range(len(dataset))
            if dataset.get_data_info(i)['query'] == 'Person opens the door.'] == ['0', '4']


@pytest.mark.parametrize('type_name, forbidden, meta', [
    ('UnpairedVideoDataset', _forbidden_for_videos(),
     {'video_id', 'duration', 'video_index', 'sample_idx'}),
    ('QuerySetDataset', _forbidden_for_queries(),
     {'query', 'query_id', 'query_index', 'sample_idx'}),
])
def test_packed_training_samples_hold_no_pairing(charades_cfg, type_name,
                                                 forbidden, meta):
    dataset = _build(type_name, charades_cfg, PACK)
    for i in range(len(dataset)):
        packed = dataset[i]
        assert set(packed) == {'inputs', 'data_samples'}
        sample = packed['data_samples']
        assert isinstance(sample, GroundingDataSample)
        assert set(sample.metainfo_keys()) == meta
        assert not forbidden & set(sample.metainfo_keys())
        assert sample.keys() == []  # no data field at all: no gt_moment
        assert 'gt_moment' not in sample
        assert packed['inputs'] == {}


def test_query_order_does_not_depend_on_the_file(write_charades, tmp_path,
                                                 charades_lines):
    shuffled = list(charades_lines)
    random.Random(3).shuffle(shuffled)
    assert shuffled != list(charades_lines)
    original = _build('QuerySetDataset', write_charades(root=tmp_path / 'a'))
    reordered = _build('QuerySetDataset', write_charades(shuffled, root=tmp_path / 'b'))
    videos_a = _build('UnpairedVideoDataset', write_charades(root=tmp_path / 'a'))
    videos_b = _build('UnpairedVideoDataset',
                      write_charades(shuffled, root=tmp_path / 'b'))
    # the query ids are the records' ids (for the text formats, their line
    # order): everything else is the same whatever the order of the file
    def without_ids(dataset):
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        return [{k: v for k, v in x.items() if k != 'query_id'} for x in infos]

    assert without_ids(original) == without_ids(reordered)
    assert ([videos_a.get_data_info(i) for i in range(len(videos_a))]
            == [videos_b.get_data_info(i) for i in range(len(videos_b))])


def test_grounding_dataset_items_carry_moments(write_charades):
    cfg = write_charades(['v1 0.5 2.5##a person sits.', 'v1 3.0 12.0##he leaves.'],
                         {'v1': 8.0})
    dataset = build_pinned(DATASETS, dict(type='GroundingDataset', annotation=cfg,
                                          pipeline=PACK, test_mode=True))
    assert isinstance(dataset, GroundingDataset)
    assert dataset.get_data_info(0) == dict(video_id='v1', duration=8.0,
                                            query='a person sits.', query_id='0',
                                            gt_moment=[0.5, 2.5],
                                            gt_windows=[[0.5, 2.5]], sample_idx=0)
    assert dataset.get_data_info(1)['gt_moment'] == [3.0, 8.0]  # end clipped
    sample = dataset[1]['data_samples']
    assert sample.gt_moment.tolist() == [3.0, 8.0]
    assert sample.gt_windows.tolist() == [[3.0, 8.0]]
    assert sample.metainfo['query_id'] == '1'
    assert sample.metainfo['query'] == 'he leaves.'
    assert sample.metainfo['video_id'] == 'v1'


def test_dataset_accepts_a_built_reader(charades_cfg):
    reader = build_pinned(DATA_SOURCES, charades_cfg)
    dataset = UnpairedVideoDataset(annotation=reader)
    assert len(dataset) == 3


def test_empty_collections_are_refused_when_built(write_charades):
    train = write_charades(['v1 3 2##a person sits'])
    for type_name in ('UnpairedVideoDataset', 'QuerySetDataset', 'GroundingDataset'):
        with pytest.raises(AnnotationError) as info:
            build_pinned(DATASETS, dict(type=type_name, annotation=train))
        assert str(info.value) == (
            f"{train['data_root']}/charades_sta_train.txt: no moment in this file (it "
            'holds none, or the repairs dropped every one)')
