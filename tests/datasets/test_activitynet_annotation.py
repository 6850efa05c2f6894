"""Tests of the ActivityNet Captions reader."""
import json

import pytest

from dscnet_plugin.datasets import (ActivityNetCaptionsAnnotation,
                                    AnnotationError, MomentRecord)
from dscnet_plugin.registry import DATA_SOURCES
from dscnet_plugin.utils import build_pinned


def _load(tmp_path, obj):
    path = tmp_path / 'train.json'
    path.write_text(json.dumps(obj), encoding='utf-8')
    return ActivityNetCaptionsAnnotation(str(path)).load(), path


def _error(tmp_path, obj) -> AnnotationError:
    with pytest.raises(AnnotationError) as info:
        _load(tmp_path, obj)
    return info.value


def test_parses_videos_in_file_order(tmp_path):
    records, path = _load(tmp_path, {
        'v_b': {'duration': 82.73, 'timestamps': [[0, 10.5], [30.2, 60]],
                'sentences': ['A man talks.', '  He jumps.  ']},
        'v_a': {'duration': '20', 'timestamps': [['1', '2.5']],
                'sentences': ['A dog runs.']},
    })
    assert records == [
        MomentRecord('v_b', 0.0, 10.5, 'A man talks.', 82.73, f'{path}:v_b#0', '0'),
        MomentRecord('v_b', 30.2, 60.0, 'He jumps.', 82.73, f'{path}:v_b#1', '1'),
        MomentRecord('v_a', 1.0, 2.5, 'A dog runs.', 20.0, f'{path}:v_a#0', '2'),
    ]
    assert [r.windows for r in records] == [((0.0, 10.5),), ((30.2, 60.0),), ((1.0, 2.5),)]


def test_build_from_registry_with_data_root(tmp_path):
    (tmp_path / 'val_1.json').write_text(json.dumps(
        {'v': {'duration': 5, 'timestamps': [[1, 2]], 'sentences': ['x']}}))
    reader = build_pinned(DATA_SOURCES, dict(type='ActivityNetCaptionsAnnotation',
                                             ann_file='val_1.json',
                                             data_root=str(tmp_path)))
    assert [(r.video_id, r.start, r.end) for r in reader.load()] == [('v', 1.0, 2.0)]


def test_repairs_clip_and_drop(tmp_path):
    records, path = _load(tmp_path, {'v': {
        'duration': 10.0,
        'timestamps': [[2, 12], [-0.5, 3], [4, 4], [7, 6], [11, 13], [1, 2]],
        'sentences': ['clip end', 'clip start', 'empty', 'reversed', 'after end',
                      'fine'],
    }})
    assert [(r.sentence, r.start, r.end) for r in records] == [
        ('clip end', 2.0, 10.0), ('clip start', 0.0, 3.0), ('fine', 1.0, 2.0)]
    # the source keeps the index of the moment in the file
    assert [r.source for r in records] == [f'{path}:v#0', f'{path}:v#1',
                                           f'{path}:v#5']


@pytest.mark.parametrize('item, expected', [
    ({'timestamps': [[0, 1]], 'sentences': ['x']}, "['duration']"),
    ({'duration': 5}, "['timestamps', 'sentences']"),
    ([5, [[0, 1]], ['x']], "['duration', 'timestamps', 'sentences']"),
])
def test_missing_key_names_the_video(tmp_path, item, expected):
    err = _error(tmp_path, {'ok': {'duration': 5, 'timestamps': [[0, 1]],
                                   'sentences': ['x']},
                            'v_bad': item})
    assert "id 'v_bad'" in str(err)
    assert 'missing key' in str(err) and expected in str(err)
    assert err.where == 'v_bad'


def test_length_mismatch_names_the_video(tmp_path):
    err = _error(tmp_path, {'v_x': {'duration': 5, 'timestamps': [[0, 1], [1, 2]],
                                    'sentences': ['only one']}})
    assert "id 'v_x'" in str(err)
    assert '2 timestamps but 1 sentences' in str(err)


@pytest.mark.parametrize('item, expected', [
    ({'duration': 'long', 'timestamps': [[0, 1]], 'sentences': ['x']}, 'number'),
    ({'duration': 5, 'timestamps': [[0, 'a']], 'sentences': ['x']}, 'number'),
    ({'duration': 5, 'timestamps': [[0, 1, 2]], 'sentences': ['x']}, '[start, end]'),
    ({'duration': 5, 'timestamps': 3, 'sentences': ['x']}, '[start, end]'),
    ({'duration': 0, 'timestamps': [[0, 1]], 'sentences': ['x']}, 'not positive'),
    ({'duration': 5, 'timestamps': [[0, 1]], 'sentences': ['  ']}, 'sentence 0 is empty'),
])
def test_bad_values_name_the_video(tmp_path, item, expected):
    err = _error(tmp_path, {'v_y': item})
    assert "id 'v_y'" in str(err)
    assert expected in str(err)


@pytest.mark.parametrize('content, expected', [
    ('{"v": {"duration": 5,', 'not valid JSON'),
    ('[]', 'expected a JSON object'),
])
def test_bad_json(tmp_path, content, expected):
    path = tmp_path / 'train.json'
    path.write_text(content)
    with pytest.raises(AnnotationError, match=expected) as info:
        ActivityNetCaptionsAnnotation(str(path)).load()
    assert str(info.value).startswith(str(path))


def test_non_utf8_json(tmp_path):
    path = tmp_path / 'train.json'
    path.write_bytes(b'{"v": {"duration": 5, "timestamps": [[0, 1]], '
                     b'"sentences": ["caf\xe9"]}}')
    with pytest.raises(AnnotationError, match='not valid JSON'):
        ActivityNetCaptionsAnnotation(str(path)).load()


def test_missing_file(tmp_path):
    path = tmp_path / 'val_2.json'
    with pytest.raises(AnnotationError, match='not found') as info:
        ActivityNetCaptionsAnnotation(str(path)).load()
    assert str(path) in str(info.value)


@pytest.mark.parametrize('stamp', [['NaN', 2], [1, 'Infinity']])
def test_nan_timestamp_is_rejected(tmp_path, stamp):
    path = tmp_path / 'train.json'
    path.write_text('{"v": {"duration": 5, "timestamps": [[%s, %s]], '
                    '"sentences": ["a"]}}' % tuple(stamp))
    with pytest.raises(AnnotationError, match='not finite') as info:
        ActivityNetCaptionsAnnotation(str(path)).load()
    assert "id 'v'" in str(info.value)
