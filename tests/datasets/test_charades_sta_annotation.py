"""Tests of the Charades-STA reader and of ``load_durations``."""
import csv
import json

import pytest

from dscnet_plugin.datasets import (AnnotationError, CharadesSTAAnnotation,
                                    MomentRecord, load_durations)
from dscnet_plugin.datasets.annotations import RepairLog
from dscnet_plugin.datasets.annotations import moment_record as moment_record_module
from dscnet_plugin.registry import DATA_SOURCES
from dscnet_plugin.utils import build_pinned


def _write_lines(path, lines):
    path.write_text(''.join(f'{line}\n' for line in lines), encoding='utf-8')
    return path


def _read(tmp_path, lines, durations=None):
    """Write ``lines`` and a JSON of ``durations``; return (records, ann path)."""
    ann = _write_lines(tmp_path / 'ann.txt', lines)
    dur = tmp_path / 'durations.json'
    dur.write_text(json.dumps(durations or {'v1': 10.0, 'v2': 20.0}))
    return CharadesSTAAnnotation(str(ann), str(dur)).load(), ann


def _write_charades_csv(path, rows):
    """Write a Charades_v1-style csv (``id,...,length``) with the csv module."""
    with open(path, 'w', encoding='utf-8', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['id', 'subject', 'scene', 'script', 'length'])
        writer.writerows(rows)
    return path


# --------------------------------------------------------------- parsing
def test_parses_lines_with_json_durations(tmp_path):
    records, ann = _read(tmp_path, ['v1 1.5 4.25##A person opens the door.  ',
                                    'v2 0 20##someone ## laughs'])
    assert records == [
        MomentRecord('v1', 1.5, 4.25, 'A person opens the door.', 10.0,
                     f'{ann}:1', '0'),
        # only the first '##' separates; the sentence keeps the rest
        MomentRecord('v2', 0.0, 20.0, 'someone ## laughs', 20.0, f'{ann}:2', '1'),
    ]
    # one window each, the moment itself
    assert [r.windows for r in records] == [((1.5, 4.25),), ((0.0, 20.0),)]
    assert all(isinstance(r.start, float) and isinstance(r.end, float)
               for r in records)


def test_parses_lines_with_charades_csv_durations(tmp_path):
    csv_path = _write_charades_csv(tmp_path / 'Charades_v1_train.csv', [
        ['AO8RW', 'P1', 'Kitchen', 'A person, smiling, says "hi".', '33.67'],
        ['Y6R7T', 'P2', 'Bedroom', 'Line one\nline two, with comma', '12.5'],
    ])
    ann = _write_lines(tmp_path / 'ann.txt', ['AO8RW 0.0 6.9##a person is putting a book.',
                                              'Y6R7T 2.0 5.0##person sits down.'])
    records = CharadesSTAAnnotation(str(ann), str(csv_path)).load()
    assert [(r.video_id, r.duration) for r in records] == [('AO8RW', 33.67),
                                                          ('Y6R7T', 12.5)]
    assert records[0].sentence == 'a person is putting a book.'


def test_relative_paths_are_joined_to_data_root(write_charades, charades_lines):
    cfg = write_charades()
    reader = build_pinned(DATA_SOURCES, cfg)
    assert isinstance(reader, CharadesSTAAnnotation)
    records = reader.load()
    assert len(records) == len(charades_lines)
    assert records[0].source.startswith(cfg['data_root'])


def test_blank_lines_are_skipped_and_line_numbers_kept(tmp_path):
    records, ann = _read(tmp_path, ['', 'v1 1 2##first', '   ', '\t',
                                    'v2 3 4##second', ''])
    assert [r.sentence for r in records] == ['first', 'second']
    assert [r.source for r in records] == [f'{ann}:2', f'{ann}:5']


def test_windows_line_endings(tmp_path):
    ann = tmp_path / 'ann.txt'
    ann.write_bytes(b'v1 1 2##a person sits.\r\nv1 3 4##he stands.\r\n')
    dur = tmp_path / 'd.json'
    dur.write_text('{"v1": 10}')
    records = CharadesSTAAnnotation(str(ann), str(dur)).load()
    assert [r.sentence for r in records] == ['a person sits.', 'he stands.']


# --------------------------------------------------------------- repairs
def test_repairs_clip_and_drop(tmp_path):
    records, ann = _read(tmp_path, [
        'v1 2.0 12.5##end past duration',      # end clipped to 10
        'v1 -1.5 3.0##negative start',         # start clipped to 0
        'v1 4.0 4.0##empty moment',            # dropped
        'v1 6.0 5.0##reversed moment',         # dropped
        'v1 11.0 15.0##starts after the end',  # clipped to [11, 10] -> dropped
        'v2 1.0 2.0##untouched',
    ])
    assert [(r.sentence, r.start, r.end) for r in records] == [
        ('end past duration', 2.0, 10.0),
        ('negative start', 0.0, 3.0),
        ('untouched', 1.0, 2.0),
    ]
    assert [r.source for r in records] == [f'{ann}:1', f'{ann}:2', f'{ann}:6']
    assert all(0 <= r.start < r.end <= r.duration for r in records)


def test_repairs_are_counted_and_logged_once(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(moment_record_module, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    _, ann = _read(tmp_path, ['v1 2 12##a', 'v1 -1 3##b', 'v1 4 4##c', 'v1 1 2##d'])
    assert len(logged) == 1
    msg = logged[0]
    assert str(ann) in msg
    assert '4 moments read, 3 kept' in msg
    assert '1 end > duration clipped to duration' in msg
    assert '1 start < 0 clipped to 0' in msg
    assert '1 start >= end dropped' in msg


def test_nothing_logged_without_repairs(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(moment_record_module, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    _read(tmp_path, ['v1 1 2##a'])
    assert logged == []


def test_repair_log_counts():
    log = RepairLog('f.txt')
    assert log.fix('v', -2.0, 30.0, 10.0) == (0.0, 10.0)
    assert log.fix('v', 3.0, 3.0, 10.0) is None
    assert log.fix('v', 1.0, 2.0, 10.0) == (1.0, 2.0)
    assert log.read == 3
    assert dict(log.counts) == {'start < 0 clipped to 0': 1,
                                'end > duration clipped to duration': 1,
                                'start >= end dropped': 1}


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize('line, expected', [
    ('v1 1 2 a person sits', "missing '##'"),
    ('v1 one 2##a person sits', 'not numbers'),
    ('v1 1 2 3##a person sits', '4 fields before'),
    ('v1 1##a person sits', '2 fields before'),
    ('v1 1 2##   ', 'empty sentence'),
    ('v9 1 2##a person sits', "video 'v9' has no duration"),
    ('v1 nan 2##a person sits', 'not finite'),
    ('v1 1 inf##a person sits', 'not finite'),
])
def test_malformed_line_names_file_and_line(tmp_path, line, expected):
    with pytest.raises(AnnotationError) as info:
        _read(tmp_path, ['v1 0 1##fine', line])
    path = tmp_path / 'ann.txt'
    assert f'{path}, line 2' in str(info.value)
    assert expected in str(info.value)


def test_non_utf8_bytes_name_the_line(tmp_path):
    ann = tmp_path / 'ann.txt'
    ann.write_bytes(b'v1 0 1##fine\nv1 1 2##caf\xe9 time\n')
    dur = tmp_path / 'durations.json'
    dur.write_text(json.dumps({'v1': 10.0}))
    with pytest.raises(AnnotationError, match='not UTF-8') as info:
        CharadesSTAAnnotation(str(ann), str(dur)).load()
    assert f'{ann}, line 2' in str(info.value)


def test_missing_annotation_file(tmp_path):
    dur = tmp_path / 'durations.json'
    dur.write_text('{}')
    with pytest.raises(AnnotationError, match='not found') as info:
        CharadesSTAAnnotation(str(tmp_path / 'nope.txt'), str(dur)).load()
    assert 'nope.txt' in str(info.value)


def test_bad_duration_csv_value_names_the_line(tmp_path):
    path = _write_charades_csv(tmp_path / 'c.csv', [['A1', 'P', 'Hall', 'x', '7'],
                                                    ['B2', 'P', 'Hall', 'y', 'n/a']])
    with pytest.raises(AnnotationError) as info:
        load_durations(str(path))
    assert f'{path}, line 3' in str(info.value)
    assert "'B2'" in str(info.value)


def test_duration_csv_without_length_column(tmp_path):
    path = tmp_path / 'c.csv'
    path.write_text('id,subject\nA1,P\n')
    with pytest.raises(AnnotationError, match="'length'") as info:
        load_durations(str(path))
    assert f'{path}, line 1' in str(info.value)
