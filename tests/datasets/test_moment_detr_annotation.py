"""Tests of the moment_detr / QVHighlights jsonl reader and writer."""
import json
import math
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dscnet_plugin.datasets import (AnnotationError, GroundingDataset, MomentDETRAnnotation,
                                    MomentRecord, write_moment_detr_jsonl)
from dscnet_plugin.datasets.annotations import clear_record_cache
from dscnet_plugin.models import FrequencyPrior

REPO = Path(__file__).resolve().parents[2]
QVH = REPO.parent / 'shared' / 'data' / 'qvhighlights'
PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


def _write(path: Path, objects) -> str:
    path.write_text(''.join((o if isinstance(o, str) else json.dumps(o)) + '\n'
                            for o in objects), encoding='utf-8')
    return str(path)


def _line(qid=1, query='a man cooks.', vid='v1', duration=30, windows=((2, 5),), **extra):
    obj = dict(qid=qid, query=query, vid=vid, duration=duration, **extra)
    if windows is not None:
        obj['relevant_windows'] = [list(w) for w in windows]
    return obj


# ----------------------------------------------------------------- reading
def test_reads_several_windows_and_ignores_the_extra_keys(tmp_path):
    path = _write(tmp_path / 'a.jsonl', [
        _line(7, ' A man cooks. ', 'v1', 150, [[10, 20], [30, 40.5]],
              relevant_clip_ids=[5, 6], saliency_scores=[[4, 1, 1], [2, 2, 2]]),
        '',
        _line('q-2', 'he eats.', 'v2', '12.5', [['1', 2]]),
    ])
    records = MomentDETRAnnotation(path).load()
    assert records == [
        MomentRecord('v1', 10.0, 20.0, 'A man cooks.', 150.0, f'{path}:1', '7',
                     ((10.0, 20.0), (30.0, 40.5))),
        MomentRecord('v2', 1.0, 2.0, 'he eats.', 12.5, f'{path}:3', 'q-2', ((1.0, 2.0),)),
    ]


def test_repairs_clip_and_drop_windows_and_queries(tmp_path):
    path = _write(tmp_path / 'r.jsonl', [
        _line(0, windows=[[-1, 5], [20, 45]], duration=30),     # both clipped
        _line(1, windows=[[8, 8], [3, 4]]),                     # first dropped
        _line(2, windows=[[40, 50]]),                           # every window dropped
        _line(3),
    ])
    records = MomentDETRAnnotation(path).load()
    assert [r.query_id for r in records] == ['0', '1', '3']
    assert records[0].windows == ((0.0, 5.0), (20.0, 30.0))
    assert (records[1].start, records[1].end, records[1].windows) == (3.0, 4.0, ((3.0, 4.0),))


def test_repair_log_line(tmp_path):
    from unittest import mock
    path = _write(tmp_path / 'log.jsonl', [_line(0, windows=[[20, 45]]),
                                            _line(1, windows=[[40, 50]])])
    with mock.patch('dscnet_plugin.datasets.annotations.moment_record.print_log') as log:
        MomentDETRAnnotation(path).read()
    (message,), _ = log.call_args
    assert message == (f'{path}: 2 moments read, 1 kept; repairs: 2 end > duration '
                       'clipped to duration, 1 queries with every window dropped, '
                       '1 start >= end dropped')


BAD_LINES = [
    ('{"qid": 1, "query": "x"', 'not valid JSON'),
    ('[1, 2]', 'holds a JSON list'),
    (json.dumps(_line(windows=None)), "missing key(s) ['relevant_windows']"),
    (json.dumps({'qid': 1, 'query': 'x', 'duration': 3, 'relevant_windows': [[0, 1]]}),
     "missing key(s) ['vid']"),
    (json.dumps(_line(qid=True)), 'qid is True'),
    (json.dumps(_line(qid=1.5)), 'qid is 1.5'),
    (json.dumps(_line(qid='a/b')), "qid is 'a/b'"),
    (json.dumps(_line(query='  ')), 'query is'),
    (json.dumps(_line(vid=3)), 'vid is 3'),
    (json.dumps(_line(duration=0)), 'duration is 0'),
    (json.dumps(_line(duration=-2)), 'duration is -2'),
    (json.dumps(_line(duration='nan')), "duration is 'nan'"),
    (json.dumps(_line(duration=True)), 'duration is True'),
    (json.dumps(_line(windows=[[0, 'inf']])), 'is not finite'),
    ('{"qid": 1, "query": "x", "vid": "v", "duration": 5, "relevant_windows": [[0, NaN]]}',
     'is not finite'),
    (json.dumps(_line(windows=[[0, 1, 2]])), 'window 0 is [0, 1, 2]'),
    (json.dumps({**_line(), 'relevant_windows': [[0, 1], 'ab']}), "window 1 is 'ab'"),
    (json.dumps({**_line(), 'relevant_windows': {'a': 1}}), 'relevant_windows is a JSON object'),
    (json.dumps(_line(windows=[])), 'relevant_windows is empty'),
    ('{"qid": 1, "qid": 2, "query": "x", "vid": "v", "duration": 5, '
     '"relevant_windows": [[0, 1]]}', "key 'qid' is given 2 times"),
    (json.dumps(_line(qid=0)), 'qid 0 is given again (first on line 1)'),
]


@pytest.mark.parametrize('text, message', BAD_LINES)
def test_malformed_line_names_file_and_line(tmp_path, text, message):
    path = _write(tmp_path / 'bad.jsonl', [_line(0), text])
    with pytest.raises(AnnotationError) as info:
        MomentDETRAnnotation(path).load()
    assert info.value.path == path and info.value.where == 2
    assert str(info.value).startswith(f'{path}, line 2: ')
    assert message in str(info.value)


def test_not_utf8_and_missing_file(tmp_path):
    path = tmp_path / 'u.jsonl'
    path.write_bytes(json.dumps(_line(0)).encode() + b'\n\xff\xfe\n')
    with pytest.raises(AnnotationError, match=r'line 2: not UTF-8'):
        MomentDETRAnnotation(str(path)).load()
    with pytest.raises(AnnotationError, match='annotation file not found'):
        MomentDETRAnnotation('missing.jsonl', data_root=str(tmp_path)).load()


def test_release_without_windows_loads_for_prediction_only(tmp_path):
    path = _write(tmp_path / 't.jsonl', [_line(5, windows=None), _line(6)])
    with pytest.raises(AnnotationError, match=r'line 1: .*require_windows=False'):
        MomentDETRAnnotation(path).load()
    cfg = dict(type='MomentDETRAnnotation', ann_file=path, require_windows=False)
    records = MomentDETRAnnotation(path, require_windows=False).load()
    assert [r.has_ground_truth for r in records] == [False, True]
    assert records[0].windows == () and math.isnan(records[0].start)
    with pytest.raises(AnnotationError, match=r'1 queries have no ground-truth window '
                       rf'\(first: {path}:1\); a GroundingDataset'):
        GroundingDataset(annotation=cfg, test_mode=True)
    with pytest.raises(AnnotationError, match="a prior's training moments"):
        FrequencyPrior(cfg)
    # the unpaired training side needs no boundaries
    from dscnet_plugin.datasets import QuerySetDataset
    queries = QuerySetDataset(annotation=cfg)
    assert sorted(queries.get_data_info(i)['query_id'] for i in range(2)) == ['5', '6']


def test_grounding_dataset_packs_every_window(tmp_path):
    path = _write(tmp_path / 'g.jsonl', [_line(3, windows=[[1, 2], [4, 6]])])
    dataset = GroundingDataset(annotation=dict(type='MomentDETRAnnotation', ann_file=path),
                               pipeline=[dict(type='PackGroundingInputs')], test_mode=True)
    assert dataset.get_data_info(0)['gt_windows'] == [[1.0, 2.0], [4.0, 6.0]]
    sample = dataset[0]['data_samples']
    assert sample.metainfo['query_id'] == '3'
    assert sample.gt_moment.tolist() == [1.0, 2.0]
    assert sample.gt_windows.shape == (2, 2)
    assert sample.gt_windows.tolist() == [[1.0, 2.0], [4.0, 6.0]]


def test_cache_tracks_the_reader_option(tmp_path):
    clear_record_cache()
    path = _write(tmp_path / 'c.jsonl', [_line(1, windows=None)])
    assert len(MomentDETRAnnotation(path, require_windows=False).load()) == 1
    with pytest.raises(AnnotationError):
        MomentDETRAnnotation(path).load()


# ----------------------------------------------------------------- writing
def test_writer_numbers_from_first_qid_atomically(tmp_path):
    records = [MomentRecord('v', 1.0, 2.0, 'a b', 9.5, 'x', 'old', ((1.0, 2.0), (3.0, 4.0))),
               MomentRecord('w', math.nan, math.nan, 'c', 4.0, 'y', 'old2')]
    out = tmp_path / 'sub' / 'o.jsonl'
    assert write_moment_detr_jsonl(records, str(out), first_qid=10) == 2
    assert [json.loads(x) for x in out.read_text().splitlines()] == [
        dict(qid=10, query='a b', vid='v', duration=9.5, relevant_windows=[[1, 2], [3, 4]]),
        dict(qid=11, query='c', vid='w', duration=4.0)]
    assert os.listdir(out.parent) == ['o.jsonl']
    with pytest.raises(TypeError):
        write_moment_detr_jsonl(records, str(out), first_qid='1')


_text = st.text(st.characters(blacklist_categories=('Cs',)), min_size=1, max_size=12) \
    .filter(lambda s: s.strip() == s and s)
_time = st.floats(0, 1e4, allow_nan=False, allow_infinity=False)


@st.composite
def records(draw):
    out = []
    for _ in range(draw(st.integers(1, 6))):
        duration = draw(st.floats(0.5, 1e4, allow_nan=False))
        windows = []
        for _ in range(draw(st.integers(1, 4))):
            start = draw(st.floats(0, duration, exclude_max=True, allow_nan=False))
            end = draw(st.floats(start, duration, exclude_min=True, allow_nan=False))
            windows.append((start, end))
        out.append(MomentRecord(draw(_text), windows[0][0], windows[0][1], draw(_text),
                                duration, '', '', tuple(windows)))
    return out


@PROPERTY
@given(records(), st.integers(0, 10 ** 6))
def test_round_trip(tmp_path_factory, recs, first_qid):
    path = str(tmp_path_factory.mktemp('rt') / 'r.jsonl')
    write_moment_detr_jsonl(recs, path, first_qid)
    back = MomentDETRAnnotation(path).read()
    assert [(r.video_id, r.sentence, r.duration, r.windows, r.start, r.end) for r in back] \
        == [(r.video_id, r.sentence, r.duration, r.windows, r.start, r.end) for r in recs]
    assert [r.query_id for r in back] == [str(first_qid + i) for i in range(len(recs))]
    assert [r.source for r in back] == [f'{path}:{i + 1}' for i in range(len(recs))]


_CORRUPTIONS = [
    lambda o: '{' + json.dumps(o)[1:-1],                      # truncated JSON
    lambda o: {k: v for k, v in o.items() if k != 'query'},
    lambda o: {k: v for k, v in o.items() if k != 'relevant_windows'},
    lambda o: {**o, 'duration': 0},
    lambda o: {**o, 'duration': 'x'},
    lambda o: {**o, 'qid': None},
    lambda o: {**o, 'relevant_windows': [[0]]},
    lambda o: {**o, 'relevant_windows': [[0, 'inf']]},
    lambda o: {**o, 'vid': ''},
]


@PROPERTY
@given(records(), st.data())
def test_one_malformed_line_is_named(tmp_path_factory, recs, data):
    path = tmp_path_factory.mktemp('bad') / 'b.jsonl'
    write_moment_detr_jsonl(recs, str(path))
    lines = path.read_text(encoding='utf-8').splitlines()
    k = data.draw(st.integers(0, len(lines) - 1))
    corrupt = data.draw(st.sampled_from(_CORRUPTIONS))(json.loads(lines[k]))
    lines[k] = corrupt if isinstance(corrupt, str) else json.dumps(corrupt)
    path.write_text('\n'.join(lines) + '\n', encoding='utf-8')
    with pytest.raises(AnnotationError) as info:
        MomentDETRAnnotation(str(path)).read()
    assert info.value.where == k + 1 and info.value.path == str(path)


# ------------------------------------------------------- the real release
real = pytest.mark.skipif(not QVH.is_dir(), reason=f'QVHighlights not found under {QVH}')


@real
@pytest.mark.parametrize('name, queries, windows', [
    ('highlight_train_release.jsonl', 7218, 12803),
    ('highlight_val_release.jsonl', 1550, 2803),
    ('highlight_test_with_gt.jsonl', 1542, 2761),
])
def test_real_qvhighlights(name, queries, windows):
    path = QVH / name
    raw = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    records = MomentDETRAnnotation(str(path)).load()
    assert len(records) == len(raw) == queries
    assert sum(len(r.windows) for r in records) == windows
    assert [r.query_id for r in records] == [str(o['qid']) for o in raw]
    assert [[list(w) for w in r.windows] for r in records] == \
        [o['relevant_windows'] for o in raw]
    assert all(0 <= s < e <= r.duration for r in records for s, e in r.windows)


@real
def test_real_qvhighlights_test_release():
    path = str(QVH / 'highlight_test_release.jsonl')
    with pytest.raises(AnnotationError, match=r'line 1: missing key\(s\) '):
        MomentDETRAnnotation(path).load()
    records = MomentDETRAnnotation(path, require_windows=False).load()
    assert len(records) == 1542 and not any(r.has_ground_truth for r in records)
    with_gt = MomentDETRAnnotation(str(QVH / 'highlight_test_with_gt.jsonl')).load()
    assert [(r.query_id, r.video_id, r.sentence) for r in records] == \
        [(r.query_id, r.video_id, r.sentence) for r in with_gt]
