"""The bad-input corpus: every malformed file the readers may meet, end to end.

Each case writes its files into ``tests/data/bad_inputs/<case id>/`` (created
at test time, ignored by git) and goes through the user-facing path: a
``GroundingDataset`` built from a config dict with the pipeline
``LoadVideoFeatures -> ResampleFeatures -> TokenizeQuery -> PackGroundingInputs``
and indexed item by item, the two training collections, or the embedding
matrix of ``QueryVocabulary`` + ``GloveTextVectors``. Each case expects one of:

* :class:`Raises`: a :class:`~dscnet_plugin.datasets.DataFileError` subclass
  raised by the plugin itself (no chained numpy / torch / h5py traceback)
  whose message is exactly ``'<file>, line N: <what>'`` or
  ``"<file>, id 'vid': <what>"`` (after the repair line, if the repairs
  left nothing);
* :class:`Repaired`: the documented repair, with the single summary line
  logged by :class:`~dscnet_plugin.datasets.annotations.RepairLog` and the
  repaired values checked;
* :class:`Works`: documented behaviour that is neither an error nor a repair
  (a query without any known word: warned about, with the count of such
  queries).

``docs/bad_inputs.md`` lists every case; a test below checks that it names
each case id and quotes each expected message.
"""
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Type, Union

import h5py
import numpy as np
import pytest
import torch

from dscnet_plugin.datasets import (AnnotationError, DataFileError, FeatureError,
                                    WordVectorError, build_embedding_matrix)
from dscnet_plugin.datasets.annotations import clear_record_cache, moment_record
from dscnet_plugin.datasets.text import embedding as embedding_module
from dscnet_plugin.datasets.text import unknown_queries
from dscnet_plugin.datasets.text import oov_vector
from dscnet_plugin.registry import DATA_SOURCES, DATASETS
from dscnet_plugin.utils import build_pinned

HERE = Path(__file__).resolve().parent
BAD_INPUTS = HERE / 'bad_inputs'
DOC = HERE.parents[1] / 'docs' / 'bad_inputs.md'
#: Stands for the case folder in expected messages and log lines.
DIR = '<dir>'

NUM_FRAMES, MAX_LEN, DIM = 4, 5, 4
#: Videos of every case; ``v3`` has a duration but no features.
DURATIONS = {'v1': 10.0, 'v2': 20.0, 'v3': 15.0}
#: The training split (vocabulary source), valid in every case.
TRAIN_LINES = ('v1 0.0 4.0##a person opens the door.',
               'v2 2.0 8.0##someone holds a cup.')
#: A valid test split, used where the annotation is not the bad input.
TEST_LINES = ('v1 1.0 4.0##a person opens the door.',
              'v2 2.0 8.0##someone holds a cup.')
#: Valid 3-d GloVe rows; 'zebra' has a vector but is not in the vocabulary.
GLOVE_ROWS = {'the': (0.1, 0.2, 0.3), 'person': (0.5, -0.2, 0.0),
              'door': (-0.3, 0.4, 0.9), 'cup': (0.2, 0.2, -0.7),
              'zebra': (1.0, 1.0, 1.0)}


def _feat(t: int, d: int = DIM, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((t, d))


#: Valid features of the two videos of :data:`TEST_LINES`.
GOOD_FEATURES = {'v1': _feat(6, seed=1), 'v2': _feat(9, seed=2)}


# ------------------------------------------------------------ expectations
@dataclass
class Raises:
    """A clear error: ``exc`` naming ``file`` (relative to the case folder)
    at ``where`` (line number or video id) with message tail ``what``
    (exact, ``<dir>`` standing for the case folder; a regex if ``regex``)."""
    exc: Type[DataFileError]
    file: str
    where: Union[int, str, None]
    what: str
    regex: bool = False
    log: Optional[str] = None  #: the repair line logged before the error


@dataclass
class Repaired:
    """A documented repair: the summary ``log`` line (``None``: nothing
    logged), logged once (each file is parsed once per process, however
    many datasets read it), and ``check(result, root)`` on the repaired
    values."""
    log: Optional[str]
    check: Callable[[Any, Path], None]


@dataclass
class Works:
    """Documented behaviour, checked by ``check(result, root, logs)`` (``logs``
    as the :func:`logs` fixture gives them)."""
    check: Callable[[Any, Path, Dict[str, List[str]]], None]


@dataclass
class Case:
    id: str
    write: Callable[[Path], Callable[[], Any]]
    expect: Union[Raises, Repaired, Works]
    bug: Optional[str] = None


# ----------------------------------------------------------------- writers
def _lines(lines: Sequence[str]) -> bytes:
    return ''.join(f'{line}\n' for line in lines).encode('utf-8')


def _write_train(root: Path) -> dict:
    (root / 'train.txt').write_bytes(_lines(TRAIN_LINES))
    (root / 'train_durations.json').write_text(json.dumps(DURATIONS))
    return dict(type='CharadesSTAAnnotation', ann_file='train.txt',
                duration_file='train_durations.json', data_root=str(root))


def charades(lines: Sequence[str] = TEST_LINES, raw: Optional[bytes] = None,
             durations: Union[dict, bytes, None] = None,
             duration_file: str = 'durations.json'):
    """A Charades-STA test split ``val.txt`` and its durations (a dict
    written as JSON, or the raw bytes of ``duration_file``)."""

    def write(root: Path) -> dict:
        (root / 'val.txt').write_bytes(_lines(lines) if raw is None else raw)
        dur = DURATIONS if durations is None else durations
        (root / duration_file).write_bytes(
            dur if isinstance(dur, bytes) else json.dumps(dur).encode())
        return dict(type='CharadesSTAAnnotation', ann_file='val.txt',
                    duration_file=duration_file, data_root=str(root))

    return write


def csv_durations(text: bytes):
    """The valid test split with the durations csv ``text``."""
    return charades(durations=text, duration_file='durations.csv')


def activitynet(obj: Optional[dict] = None, raw: Optional[bytes] = None):
    """An ActivityNet Captions test split ``val.json``."""

    def write(root: Path) -> dict:
        (root / 'val.json').write_bytes(json.dumps(obj).encode() if raw is None
                                         else raw)
        return dict(type='ActivityNetCaptionsAnnotation', ann_file='val.json',
                    data_root=str(root))

    return write


def h5_features(**override):
    """Flat HDF5 ``features.h5``: :data:`GOOD_FEATURES` updated by ``override``
    (``None`` removes a video)."""

    def write(root: Path) -> dict:
        items = {**GOOD_FEATURES, **override}
        with h5py.File(root / 'features.h5', 'w') as f:
            for vid, array in items.items():
                if array is not None:
                    f.create_dataset(vid, data=array)
        return dict(type='VideoFeatures', path='features.h5', data_root=str(root))

    return write


def dir_features(suffix: str = '.npy', raw: Optional[Dict[str, Any]] = None,
                 **override):
    """A folder ``feats/`` of ``{vid}.npy`` (or ``.pt``) files; ``raw`` maps
    a file name to bytes or to an object saved with ``torch.save``."""

    def write(root: Path) -> dict:
        folder = root / 'feats'
        folder.mkdir()
        for vid, array in {**GOOD_FEATURES, **override}.items():
            if array is None:
                continue
            if suffix == '.npy':
                np.save(folder / f'{vid}.npy', array)
            else:
                torch.save(torch.as_tensor(array), folder / f'{vid}.pt')
        for name, value in (raw or {}).items():
            if isinstance(value, bytes):
                (folder / name).write_bytes(value)
            else:
                torch.save(value, folder / name)
        return dict(type='VideoFeatures', path='feats', data_root=str(root))

    return write


def h5_damaged(chunked: bool):
    """``features.h5`` whose second half is zeroed, as a disk error or an
    interrupted copy leaves it: ``v1`` still reads, ``v2`` does not. With
    :data:`GOOD_FEATURES` the zeroed half holds ``v2``'s object header; with
    ``chunked`` a longer, gzip-chunked ``v2`` whose chunks fill it."""

    def write(root: Path) -> dict:
        path = root / 'features.h5'
        with h5py.File(path, 'w') as f:
            f.create_dataset('v1', data=GOOD_FEATURES['v1'])
            if chunked:
                f.create_dataset('v2', data=_feat(300, seed=2), chunks=(50, DIM),
                                 compression='gzip')
            else:
                f.create_dataset('v2', data=GOOD_FEATURES['v2'])
        data = bytearray(path.read_bytes())
        data[len(data) // 2:] = bytes(len(data) - len(data) // 2)
        path.write_bytes(bytes(data))
        return dict(type='VideoFeatures', path='features.h5', data_root=str(root))

    return write


def _pipeline(features: dict, train: dict) -> list:
    return [
        dict(type='LoadVideoFeatures', reader=features),
        dict(type='ResampleFeatures', num_frames=NUM_FRAMES),
        dict(type='TokenizeQuery', max_len=MAX_LEN,
             vocab=dict(type='QueryVocabulary', annotation=train)),
        dict(type='PackGroundingInputs'),
    ]


def grounding(annotation=charades(), features=h5_features(),
              feature_dim: Optional[int] = None):
    """Build a ``GroundingDataset`` from its config and pack every item;
    the result is ``(dataset, packed items)``."""

    def write(root: Path) -> Callable[[], Any]:
        train = _write_train(root)
        reader = features(root)
        if feature_dim is not None:
            reader['feature_dim'] = feature_dim
        cfg = dict(type='GroundingDataset', annotation=annotation(root),
                   pipeline=_pipeline(reader, train))

        def act():
            dataset = build_pinned(DATASETS, cfg)
            return dataset, [dataset[i] for i in range(len(dataset))]

        return act

    return write


def training(annotation):
    """Build the two unpaired training collections from ``annotation``; the
    result is ``(video items, query items)``."""

    def write(root: Path) -> Callable[[], Any]:
        ann = annotation(root)

        def act():
            videos = build_pinned(DATASETS, dict(type='UnpairedVideoDataset',
                                                 annotation=ann))
            queries = build_pinned(DATASETS, dict(type='QuerySetDataset',
                                                  annotation=ann))
            return ([videos.get_data_info(i) for i in range(len(videos))],
                    [queries.get_data_info(i) for i in range(len(queries))])

        return act

    return write


def glove(rows: Sequence[str] = (), raw: Optional[bytes] = None):
    """``glove.txt`` = the valid rows then ``rows``; the result is the
    embedding matrix of the training vocabulary (as the model builds it)."""

    def write(root: Path) -> Callable[[], Any]:
        train = _write_train(root)
        valid = [f'{w} {" ".join(map(str, v))}' for w, v in GLOVE_ROWS.items()]
        (root / 'glove.txt').write_bytes(_lines([*valid, *rows]) if raw is None
                                         else raw)

        def act():
            vocab = build_pinned(DATA_SOURCES, dict(type='QueryVocabulary',
                                                    annotation=train))
            vectors = build_pinned(DATA_SOURCES, dict(
                type='GloveTextVectors', path='glove.txt', data_root=str(root)))
            return build_embedding_matrix(vocab, vectors)

        return act

    return write


def query_set(lines: Sequence[str]):
    """Build the training ``QuerySetDataset`` of ``train.txt`` = ``lines``
    with its ``TokenizeQuery`` pipeline (the vocabulary is built from the
    same file); the result is ``(query items, vocabulary)``."""

    def write(root: Path) -> Callable[[], Any]:
        train = _write_train(root)
        (root / 'train.txt').write_bytes(_lines(lines))
        vocab_cfg = dict(type='QueryVocabulary', annotation=train)
        cfg = dict(type='QuerySetDataset', annotation=train,
                   pipeline=[dict(type='TokenizeQuery', vocab=vocab_cfg, max_len=MAX_LEN)])

        def act():
            dataset = build_pinned(DATASETS, cfg)
            return ([dataset[i] for i in range(len(dataset))],
                    build_pinned(DATA_SOURCES, vocab_cfg))

        return act

    return write


def query_without_known_words(query: str):
    """A test split whose second query has no word of the vocabulary; the
    result is ``(packed items, embedding matrix, vocabulary)``."""

    def write(root: Path) -> Callable[[], Any]:
        act_dataset = grounding(charades([TEST_LINES[0],
                                          f'v2 2.0 8.0##{query}']))(root)
        act_matrix = glove()(root)
        vocab_cfg = dict(type='QueryVocabulary', annotation=_write_train(root))

        def act():
            _, items = act_dataset()
            return items, act_matrix(), build_pinned(DATA_SOURCES, vocab_cfg)

        return act

    return write


# ------------------------------------------------------------------ checks
def _gt(result) -> List[List[float]]:
    """Ground-truth moments of the packed items of a ``grounding`` result."""
    dataset, items = result
    assert len(items) == len(dataset)
    return [list(item['data_samples'].gt_moment) for item in items]


def _moments(*expected):
    def check(result, root):
        assert _gt(result) == [list(m) for m in expected]

    return check


def _unknown_query_warnings(root: Path, query: str) -> List[str]:
    """The two warnings of a test split whose line 2 holds ``query``."""
    return [f'{root}/val.txt:2: query {query!r} has no word of the training vocabulary '
            '(read as <unk>; its result means nothing)',
            f'{root}/val.txt: 1 of 2 queries have no word of the training vocabulary']


def _oov_query(n_unk: int, query: str):
    """Check the packed query: ``n_unk`` ``<unk>`` tokens, then padding; the
    ``<unk>`` row of the embedding is the deterministic OOV vector; the
    query is warned about once (with its line) and counted."""

    def check(result, root, logs):
        assert logs['queries'] == _unknown_query_warnings(root, query)
        logs = logs['embedding']
        items, matrix, vocab = result
        inputs, sample = items[1]['inputs'], items[1]['data_samples']
        unk, pad = vocab.unk_index, vocab.pad_index
        assert inputs['query_tokens'].tolist() == [unk] * n_unk + [pad] * (MAX_LEN - n_unk)
        assert inputs['query_mask'].tolist() == [True] * n_unk + [False] * (MAX_LEN - n_unk)
        assert sample.query_length == n_unk
        found = np.array([GLOVE_ROWS[w] for w in vocab.words if w in GLOVE_ROWS],
                         np.float32)
        np.testing.assert_array_equal(matrix[unk],
                                      oov_vector('<unk>', 3, float(found.std())))
        assert 'zebra' not in vocab  # has a vector, but not a training word
        assert logs == ['word vectors: 5 of 10 vocabulary entries found, '
                        '5 get OOV vectors']

    return check


def _training_set_with_one_unknown_query(result, root, logs):
    items, vocab = result
    assert vocab.words == ['<pad>', '<unk>', 'a', 'cup', 'door', 'holds', 'opens',
                           'person', 'someone', 'the']
    assert [item['query'] for item in items] == ['a person opens the door.',
                                                 'someone holds a cup.', '🙂🙂']
    assert items[2]['query_tokens'].tolist() == [vocab.unk_index] + [0] * (MAX_LEN - 1)
    assert logs['queries'] == [
        f"{root}/train.txt:2: query '🙂🙂' has no word of the training vocabulary "
        '(read as <unk>; its result means nothing)',
        f'{root}/train.txt: 1 of 3 queries have no word of the training vocabulary']


def _training_drops_the_moment(result, root):
    videos, queries = result
    assert [(v['video_id'], v['duration']) for v in videos] == [('v1', 10.0)]
    assert [q['query'] for q in queries] == ['a person opens the door.']


# ------------------------------------------------------------------ corpus
_DUR = f'{DIR}/durations.json'
_LINE_FORMAT = "'VID START END##sentence'"
_STAMP = 'expected [start, end] numbers of seconds'
_ANET_OK = {'duration': 10.0, 'timestamps': [[1.0, 4.0]],
            'sentences': ['a person opens the door.']}
_ANET_FEATURES = h5_features(v2=None)  # the JSON cases name v1 only
_NO_MOMENT = 'no moment in this file (it holds none, or the repairs dropped every one)'
_DUPLICATE_VIDEO = 'video id given 2 times (JSON keeps only the last copy; merge or rename them)'
_TRAIN_UNKNOWN = ('2 of 3 training queries hold no word of the vocabulary built from them '
                  '(at most 50% may, QueryVocabulary.max_unknown_fraction): queries must '
                  'be text with words')

CASES = [
    # ----- Charades-STA annotation lines
    Case('charades-missing-hash',
         grounding(charades([TEST_LINES[0], 'v2 2.0 8.0 someone holds a cup.'])),
         Raises(AnnotationError, 'val.txt', 2,
                f"missing '##' between the moment and the sentence; expected {_LINE_FORMAT}")),
    Case('charades-non-numeric-time',
         grounding(charades([TEST_LINES[0], 'v2 2.0 8,5##someone holds a cup.'])),
         Raises(AnnotationError, 'val.txt', 2,
                "times '2.0' '8,5' are not numbers of seconds")),
    Case('charades-nan-time',
         grounding(charades([TEST_LINES[0], 'v2 nan 8.0##someone holds a cup.'])),
         Raises(AnnotationError, 'val.txt', 2,
                "moment (nan, 8.0) of video 'v2' is not finite")),
    Case('charades-extra-field',
         grounding(charades([TEST_LINES[0], 'v2 2.0 8.0 9.0##someone holds a cup.'])),
         Raises(AnnotationError, 'val.txt', 2,
                f'4 fields before "##", expected 3: {_LINE_FORMAT}')),
    Case('charades-missing-field',
         grounding(charades([TEST_LINES[0], 'v2 8.0##someone holds a cup.'])),
         Raises(AnnotationError, 'val.txt', 2,
                f'2 fields before "##", expected 3: {_LINE_FORMAT}')),
    Case('charades-empty-sentence',
         grounding(charades([TEST_LINES[0], 'v2 2.0 8.0##   '])),
         Raises(AnnotationError, 'val.txt', 2, 'empty sentence after "##"')),
    Case('charades-non-utf8',  # a Latin-1 'é'
         grounding(charades(raw=_lines([TEST_LINES[0]]) + b'v2 2.0 8.0##caf\xe9 scene\n')),
         Raises(AnnotationError, 'val.txt', 2,
                'not UTF-8 text (invalid continuation byte at byte 15)')),
    Case('charades-utf8-bom',
         grounding(charades(raw=b'\xef\xbb\xbf' + _lines(TEST_LINES))),
         Raises(AnnotationError, 'val.txt', 1,
                f"video '\\ufeffv1' has no duration in {_DUR}")),
    Case('charades-video-without-duration',
         grounding(charades([TEST_LINES[0], 'v9 2.0 8.0##someone holds a cup.'])),
         Raises(AnnotationError, 'val.txt', 2,
                f"video 'v9' has no duration in {_DUR}")),
    Case('charades-underscore-time',  # float('1_0') == 10.0
         grounding(charades([TEST_LINES[0], 'v2 2.0 1_0##someone holds a cup.'])),
         Raises(AnnotationError, 'val.txt', 2,
                "times '2.0' '1_0' are not numbers of seconds")),
    Case('charades-non-ascii-digits',  # float('８') == 8.0 (fullwidth digit)
         grounding(charades([TEST_LINES[0], 'v2 2.0 \uff18.0##someone holds a cup.'])),
         Raises(AnnotationError, 'val.txt', 2,
                "times '2.0' '\uff18.0' are not numbers of seconds")),
    Case('charades-hex-time',  # float.fromhex would read it; float() does not
         grounding(charades([TEST_LINES[0], 'v2 0x2 8.0##someone holds a cup.'])),
         Raises(AnnotationError, 'val.txt', 2,
                "times '0x2' '8.0' are not numbers of seconds")),
    Case('test-file-empty',
         grounding(charades(raw=b'\n\n')),
         Raises(AnnotationError, 'val.txt', None, _NO_MOMENT)),
    Case('test-every-moment-dropped',
         grounding(charades(['v1 4.0 1.0##a person opens the door.',
                             'v2 8.0 8.0##someone holds a cup.'])),
         Raises(AnnotationError, 'val.txt', None, _NO_MOMENT,
                log=f'{DIR}/val.txt: 2 moments read, 0 kept; repairs: 2 start >= end dropped')),
    Case('training-file-empty',
         training(charades(raw=b'')),
         Raises(AnnotationError, 'val.txt', None, _NO_MOMENT)),
    # ----- repairs of moments
    Case('end-before-start',
         grounding(charades([TEST_LINES[0], 'v2 8.0 2.0##someone holds a cup.'])),
         Repaired(f'{DIR}/val.txt: 2 moments read, 1 kept; '
                  'repairs: 1 start >= end dropped', _moments([1.0, 4.0]))),
    Case('end-after-duration',
         grounding(charades([TEST_LINES[0], 'v2 2.0 25.5##someone holds a cup.'])),
         Repaired(f'{DIR}/val.txt: 2 moments read, 2 kept; '
                  'repairs: 1 end > duration clipped to duration',
                  _moments([1.0, 4.0], [2.0, 20.0]))),
    Case('zero-length-moment',
         grounding(charades([TEST_LINES[0], 'v2 8.0 8.0##someone holds a cup.'])),
         Repaired(f'{DIR}/val.txt: 2 moments read, 1 kept; '
                  'repairs: 1 start >= end dropped', _moments([1.0, 4.0]))),
    Case('negative-start',
         grounding(charades([TEST_LINES[0], 'v2 -1.5 8.0##someone holds a cup.'])),
         Repaired(f'{DIR}/val.txt: 2 moments read, 2 kept; '
                  'repairs: 1 start < 0 clipped to 0',
                  _moments([1.0, 4.0], [0.0, 8.0]))),
    Case('moment-after-video-end',
         grounding(charades([TEST_LINES[0], 'v2 22.0 25.0##someone holds a cup.'])),
         Repaired(f'{DIR}/val.txt: 2 moments read, 1 kept; '
                  'repairs: 1 end > duration clipped to duration, '
                  '1 start >= end dropped', _moments([1.0, 4.0]))),
    Case('repairs-mixed-counted-once',
         grounding(charades(['v1 -1.0 4.0##a person opens the door.',
                             'v1 5.0 12.0##the person opens the door.',
                             'v2 8.0 2.0##someone holds a cup.',
                             'v2 3.0 3.0##someone holds the cup.',
                             'v2 2.0 8.0##a person holds a cup.'])),
         Repaired(f'{DIR}/val.txt: 5 moments read, 3 kept; repairs: '
                  '1 end > duration clipped to duration, 1 start < 0 clipped to 0, '
                  '2 start >= end dropped',
                  _moments([0.0, 4.0], [5.0, 10.0], [2.0, 8.0]))),
    Case('activitynet-repairs',
         grounding(activitynet({'v1': {'duration': 10.0,
                                       'timestamps': [[1.0, 4.0], [6.0, 12.0], [5.0, 5.0]],
                                       'sentences': ['a person opens the door.',
                                                     'the person holds a cup.',
                                                     'someone opens the door.']}}),
                   _ANET_FEATURES),
         Repaired(f'{DIR}/val.json: 3 moments read, 2 kept; repairs: '
                  '1 end > duration clipped to duration, 1 start >= end dropped',
                  _moments([1.0, 4.0], [6.0, 10.0]))),
    Case('training-split-repairs',
         training(charades([TEST_LINES[0], 'v2 8.0 8.0##someone holds a cup.'])),
         Repaired(f'{DIR}/val.txt: 2 moments read, 1 kept; '
                  'repairs: 1 start >= end dropped',  # once: the collections share a parse
                  _training_drops_the_moment)),
    # ----- durations files
    Case('durations-csv-non-numeric',
         grounding(csv_durations(b'id,length\nv1,10.0\nv2,twenty\nv3,15\n')),
         Raises(AnnotationError, 'durations.csv', 3,
                "duration of video 'v2' is 'twenty', expected a number of seconds")),
    Case('durations-csv-missing-column',
         grounding(csv_durations(b'id,seconds\nv1,10.0\nv2,20.0\n')),
         Raises(AnnotationError, 'durations.csv', 1,
                "csv header has ['id', 'seconds'], expected 'id' and 'length' columns")),
    Case('durations-json-non-positive',
         grounding(charades(durations={'v1': 10.0, 'v2': 0})),
         Raises(AnnotationError, 'durations.json', 'v2',
                "duration of video 'v2' is 0, expected a positive number of seconds")),
    Case('durations-csv-non-utf8',
         grounding(csv_durations(b'id,length\nv1,10.0\nv2\xe9,20.0\nv3,15\n')),
         Raises(AnnotationError, 'durations.csv', 3,
                "not UTF-8 text (invalid continuation byte at byte 20)")),
    Case('durations-csv-underscore',
         grounding(csv_durations(b'id,length\nv1,10.0\nv2,2_0\nv3,15\n')),
         Raises(AnnotationError, 'durations.csv', 3,
                "duration of video 'v2' is '2_0', expected a number of seconds")),
    Case('durations-csv-duplicate-video',
         grounding(csv_durations(b'id,length\nv1,10.0\nv2,20.0\nv1,12.0\n')),
         Raises(AnnotationError, 'durations.csv', 4,
                "video 'v1' is listed again (first on line 2)")),
    Case('durations-json-duplicate-video',
         grounding(charades(durations=b'{"v1": 10.0, "v2": 20.0, "v1": 12.0}')),
         Raises(AnnotationError, 'durations.json', 'v1', _DUPLICATE_VIDEO)),
    Case('durations-json-boolean',
         grounding(charades(durations=b'{"v1": 10.0, "v2": true}')),
         Raises(AnnotationError, 'durations.json', 'v2',
                "duration of video 'v2' is True, expected a number of seconds")),
    # ----- ActivityNet Captions JSON
    Case('activitynet-missing-key',
         grounding(activitynet({'v1': {'duration': 10.0, 'timestamps': [[1.0, 4.0]]}}),
                   _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1',
                "missing key(s) ['sentences']; expected "
                "['duration', 'timestamps', 'sentences']")),
    Case('activitynet-length-mismatch',
         grounding(activitynet({'v1': {**_ANET_OK, 'sentences': ['a', 'b']}}),
                   _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1', '1 timestamps but 2 sentences')),
    Case('activitynet-bad-timestamp',
         grounding(activitynet({'v1': {**_ANET_OK, 'timestamps': [[1.0, 'four']]}}),
                   _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1',
                f"timestamp 0 is [1.0, 'four'], {_STAMP}")),
    Case('activitynet-timestamp-triple',
         grounding(activitynet({'v1': {**_ANET_OK, 'timestamps': [[1.0, 2.0, 4.0]]}}),
                   _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1', f'timestamp 0 is [1.0, 2.0, 4.0], {_STAMP}')),
    Case('activitynet-timestamp-string',  # '14' used to unpack into (1.0, 4.0)
         grounding(activitynet({'v1': {**_ANET_OK, 'timestamps': ['14']}}), _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1', f"timestamp 0 is '14', {_STAMP}")),
    Case('activitynet-timestamps-null',
         grounding(activitynet({'v1': {**_ANET_OK, 'timestamps': None}}), _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1',
                'timestamps is a NoneType, expected a list of [start, end] numbers')),
    Case('activitynet-boolean-duration',  # float(True) == 1.0
         grounding(activitynet({'v1': {**_ANET_OK, 'duration': True}}), _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1',
                'duration is True, expected a number of seconds')),
    Case('activitynet-boolean-timestamp',
         grounding(activitynet({'v1': {**_ANET_OK, 'timestamps': [[False, 4.0]]}}),
                   _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1', f'timestamp 0 is [False, 4.0], {_STAMP}')),
    Case('activitynet-underscore-duration',
         grounding(activitynet({'v1': {**_ANET_OK, 'duration': '1_0'}}), _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1',
                "duration is '1_0', expected a number of seconds")),
    Case('activitynet-numeric-strings',  # read, strictly, as numbers
         grounding(activitynet({'v1': {**_ANET_OK, 'duration': '10',
                                       'timestamps': [['1.5', '4e0']]}}), _ANET_FEATURES),
         Repaired(None, _moments([1.5, 4.0]))),
    Case('activitynet-duplicate-video',
         grounding(activitynet(raw=b'{"v1": {"duration": 10.0, "timestamps": [[1, 4]], '
                                   b'"sentences": ["a person opens the door."]}, '
                                   b'"v1": {"duration": 20.0, "timestamps": [[2, 8]], '
                                   b'"sentences": ["someone holds a cup."]}}'),
                   _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1', _DUPLICATE_VIDEO)),
    Case('activitynet-duplicate-key',
         grounding(activitynet(raw=b'{"v1": {"duration": 10.0, "timestamps": [[1, 4]], '
                                   b'"duration": 30.0, '
                                   b'"sentences": ["a person opens the door."]}}'),
                   _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1',
                "key 'duration' is given 2 times in one object (JSON keeps only the "
                "last copy)")),
    Case('activitynet-huge-integer',  # Python refuses int literals of > 4300 digits
         grounding(activitynet(raw=b'{"v1": {"duration": 1' + b'0' * 5000 + b'}}'),
                   _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', None,
                'not valid JSON: Exceeds the limit (4300 digits) for integer string '
                'conversion: value has 5001 digits; use sys.set_int_max_str_digits() '
                'to increase the limit')),
    Case('activitynet-no-video',
         grounding(activitynet({}), _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', None, _NO_MOMENT)),
    Case('activitynet-invalid-json',
         grounding(activitynet(raw=b'{"v1": {"duration": 10.0,\n'
                                   b' "timestamps": [[1.0, 4.0]] "sentences": ["x"]}}'),
                   _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', None,
                "not valid JSON: Expecting ',' delimiter: line 2 column 29 (char 54)")),
    Case('activitynet-non-utf8',
         grounding(activitynet(raw=b'{"v1": {"duration": 10.0, "timestamps": '
                                   b'[[1.0, 4.0]], "sentences": ["caf\xe9"]}}'),
                   _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', None,
                "not valid JSON: 'utf-8' codec can't decode byte 0xe9 in position "
                "72: invalid continuation byte")),
    Case('activitynet-sentences-null',
         grounding(activitynet({'v1': {**_ANET_OK, 'sentences': None}}), _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1',
                'sentences is a NoneType, expected a list of strings')),
    Case('activitynet-sentence-null',
         grounding(activitynet({'v1': {**_ANET_OK, 'sentences': [None]}}), _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1', 'sentence 0 is None, expected a string')),
    # ----- video features
    Case('video-absent-from-hdf5',
         grounding(charades([TEST_LINES[0], 'v3 2.0 8.0##someone holds a cup.'])),
         Raises(FeatureError, 'features.h5', 'v3', 'video has no features in this file')),
    Case('video-absent-from-folder',
         grounding(charades([TEST_LINES[0], 'v3 2.0 8.0##someone holds a cup.']),
                   dir_features()),
         Raises(FeatureError, 'feats', 'v3', 'no feature file v3{.npy,.pt,.npz}')),
    Case('feature-nan-hdf5',
         grounding(features=h5_features(v2=np.where(np.arange(9)[:, None] == 3, np.nan,
                                                    GOOD_FEATURES['v2']))),
         Raises(FeatureError, 'features.h5', 'v2', '1 of 9 frames hold NaN or Inf values')),
    Case('feature-inf-npy',
         grounding(features=dir_features(v2=np.full((9, DIM), np.inf))),
         Raises(FeatureError, 'feats/v2.npy', 'v2', '9 of 9 frames hold NaN or Inf values')),
    Case('feature-nan-pt',
         grounding(features=dir_features('.pt', v2=np.full((9, DIM), np.nan))),
         Raises(FeatureError, 'feats/v2.pt', 'v2', '9 of 9 frames hold NaN or Inf values')),
    Case('feature-rank-3',  # a (1, T, D) batch left in the file
         grounding(features=h5_features(v2=GOOD_FEATURES['v2'][None])),
         Raises(FeatureError, 'features.h5', 'v2',
                'feature has shape (1, 9, 4), expected rank 2 (T x D)')),
    Case('feature-rank-1',
         grounding(features=dir_features('.pt', v2=GOOD_FEATURES['v2'][:, 0])),
         Raises(FeatureError, 'feats/v2.pt', 'v2',
                'feature has shape (9,), expected rank 2 (T x D)')),
    Case('feature-dimension-differs',  # D detected from v1, v2 differs
         grounding(features=h5_features(v2=_feat(9, DIM + 1))),
         Raises(FeatureError, 'features.h5', 'v2', 'feature dimension 5, expected 4')),
    Case('feature-dimension-first-video',  # D configured: v1 is named, not v2
         grounding(features=h5_features(v1=_feat(6, DIM + 1)), feature_dim=DIM),
         Raises(FeatureError, 'features.h5', 'v1', 'feature dimension 5, expected 4')),
    Case('feature-dimension-not-configured',
         grounding(features=dir_features(), feature_dim=8),
         Raises(FeatureError, 'feats/v1.npy', 'v1', 'feature dimension 4, expected 8')),
    Case('feature-empty-sequence',
         grounding(features=h5_features(v2=np.zeros((0, DIM)))),
         Raises(FeatureError, 'features.h5', 'v2',
                'feature has shape (0, 4), expected at least one frame and one channel')),
    Case('feature-empty-sequence-npy',
         grounding(features=dir_features(v2=np.zeros((0, DIM), np.float32))),
         Raises(FeatureError, 'feats/v2.npy', 'v2',
                'feature has shape (0, 4), expected at least one frame and one channel')),
    Case('feature-non-numeric',
         grounding(features=h5_features(v2=np.full((9, DIM), b'abc'))),
         Raises(FeatureError, 'features.h5', 'v2', 'feature dtype |S3 is not numeric')),
    Case('feature-complex-npy',  # numpy would drop the imaginary part with a warning
         grounding(features=dir_features(v2=GOOD_FEATURES['v2'] * (1 + 1j))),
         Raises(FeatureError, 'feats/v2.npy', 'v2',
                'feature dtype complex128 is complex, expected real numbers (float or int)')),
    Case('feature-complex-pt',
         grounding(features=dir_features('.pt', v2=None, raw={
             'v2.pt': torch.ones(9, DIM, dtype=torch.complex64)})),
         Raises(FeatureError, 'feats/v2.pt', 'v2',
                'feature dtype complex64 is complex, expected real numbers (float or int)')),
    Case('feature-boolean-hdf5',
         grounding(features=h5_features(v2=GOOD_FEATURES['v2'] > 0)),
         Raises(FeatureError, 'features.h5', 'v2', 'feature dtype bool is not numeric')),
    Case('feature-beyond-float32',  # float64 1e300 would become inf
         grounding(features=dir_features(v2=np.full((9, DIM), 1e300))),
         Raises(FeatureError, 'feats/v2.npy', 'v2', '9 of 9 frames hold values beyond '
                'the float32 range (|x| > 3.403e+38)')),
    Case('feature-hdf5-zeroed-header',
         grounding(features=h5_damaged(chunked=False)),
         Raises(FeatureError, 'features.h5', 'v2', r'cannot be read: .+', regex=True)),
    Case('feature-hdf5-zeroed-chunks',
         grounding(features=h5_damaged(chunked=True)),
         Raises(FeatureError, 'features.h5', 'v2', r'cannot be read: .+', regex=True)),
    Case('feature-pt-not-a-tensor',
         grounding(features=dir_features('.pt', v2=None,
                                         raw={'v2.pt': {'feats': torch.zeros(9, DIM)}})),
         Raises(FeatureError, 'feats/v2.pt', 'v2', 'holds a dict, expected a (T, D) tensor')),
    Case('feature-npy-truncated',
         grounding(features=dir_features(v2=None, raw={'v2.npy': b'\x93NUMPY\x01\x00'})),
         Raises(FeatureError, 'feats/v2.npy', 'v2', r'cannot be read: .+', regex=True)),
    # ----- queries and word vectors
    Case('query-out-of-vocabulary',
         query_without_known_words('Zebras juggle quokkas'),
         Works(_oov_query(3, 'Zebras juggle quokkas'))),
    Case('query-punctuation-only',
         query_without_known_words('?! ... -- (!)'),
         Works(_oov_query(1, '?! ... -- (!)'))),
    Case('query-emoji-only',
         query_without_known_words('🦓 🤹'),
         Works(_oov_query(1, '🦓 🤹'))),
    Case('training-query-without-known-word',
         query_set([TRAIN_LINES[0], 'v2 2.0 8.0##🙂🙂', TRAIN_LINES[1]]),
         Works(_training_set_with_one_unknown_query)),
    Case('training-queries-mostly-unknown',
         query_set([TRAIN_LINES[0], 'v2 2.0 8.0##🙂🙂', 'v2 1.0 3.0##!!! ???']),
         Raises(AnnotationError, 'train.txt', None, _TRAIN_UNKNOWN)),
    Case('glove-short-row',
         glove(['door 0.1 0.2']),
         Raises(WordVectorError, 'glove.txt', 6, '2 values, expected 3 like line 1')),
    Case('glove-non-numeric-value',
         glove(raw=_lines(['the 0.1 0.2 0.3', 'cup 0.2 n/a -0.7'])),
         Raises(WordVectorError, 'glove.txt', 2, 'non-numeric vector value')),
    Case('glove-nan-value',
         glove(raw=_lines(['the 0.1 0.2 0.3', 'cup 0.2 nan -0.7'])),
         Raises(WordVectorError, 'glove.txt', 2, 'NaN or Inf value')),
    Case('glove-word2vec-header',
         glove(raw=_lines(['400000 3', 'the 0.1 0.2 0.3'])),
         Raises(WordVectorError, 'glove.txt', 2, '3 values, expected 1 like line 1')),
    Case('glove-word-with-space',  # as in glove.840B.300d.txt
         glove(['. . . 0.1 0.2 0.3']),
         Raises(WordVectorError, 'glove.txt', 6, '5 values, expected 3 like line 1')),
    Case('glove-empty-file',
         glove(raw=b''),
         Raises(WordVectorError, 'glove.txt', None, 'file is empty')),
]


def _params():
    for case in CASES:
        marks = [pytest.mark.xfail(reason=f'BUG: {case.bug}', strict=True)] if case.bug else []
        yield pytest.param(case, id=case.id, marks=marks)


@pytest.fixture
def case_dir(request) -> Path:
    case = request.node.callspec.params['case']
    root = BAD_INPUTS / case.id
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    return root


@pytest.fixture
def logs(monkeypatch) -> Dict[str, List[str]]:
    """Lines logged by RepairLog.summary ('repairs'), build_embedding_matrix
    ('embedding') and the unknown-query warnings ('queries'). Each case
    starts with an empty record cache (the corpus rewrites its files)."""
    clear_record_cache()
    out = dict(repairs=[], embedding=[], queries=[])
    monkeypatch.setattr(moment_record, 'print_log',
                        lambda msg, **kwargs: out['repairs'].append(msg))
    monkeypatch.setattr(embedding_module, 'print_log',
                        lambda msg, **kwargs: out['embedding'].append(msg))
    monkeypatch.setattr(unknown_queries, 'print_log',
                        lambda msg, **kwargs: out['queries'].append(msg))
    return out


def _log_lines(log: Optional[str], root: Path) -> List[str]:
    return [] if log is None else [log.replace(DIR, str(root))]


def _location(root: Path, expect: Raises) -> str:
    path = str(root / expect.file)
    if expect.where is None:
        return path
    if isinstance(expect.where, int):
        return f'{path}, line {expect.where}'
    return f'{path}, id {expect.where!r}'


@pytest.mark.parametrize('case', list(_params()))
def test_bad_input(case: Case, case_dir: Path, logs):
    act = case.write(case_dir)
    expect = case.expect
    if isinstance(expect, Raises):
        with pytest.raises(DataFileError) as info:
            act()
        error = info.value
        assert type(error) is expect.exc
        assert error.path == str(case_dir / expect.file)
        assert error.where == expect.where
        loc = _location(case_dir, expect)
        what = expect.what.replace(DIR, str(case_dir))
        if expect.regex:
            assert re.fullmatch(f'{re.escape(loc)}: {what}', str(error)), str(error)
        else:
            assert str(error) == f'{loc}: {what}'
        # raised by the plugin, with no numpy / torch / h5py traceback chained
        assert 'dscnet_plugin' in Path(str(info.traceback[-1].path)).parts
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__
        assert logs['repairs'] == _log_lines(expect.log, case_dir)
    elif isinstance(expect, Repaired):
        result = act()
        assert logs['repairs'] == _log_lines(expect.log, case_dir)
        expect.check(result, case_dir)
    else:
        result = act()
        assert not logs['repairs']
        expect.check(result, case_dir, logs)


def test_case_ids_are_unique_folder_names():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r'[a-z0-9-]+', i) for i in ids)


def test_every_case_is_documented():
    """docs/bad_inputs.md has a row per case and quotes each exact message
    and repair line."""
    doc = DOC.read_text(encoding='utf-8')
    for case in CASES:
        assert f'| `{case.id}` |' in doc, case.id
        expect = case.expect
        if isinstance(expect, Raises) and not expect.regex:
            # in a table cell a '|' is written '\|', even in a code span
            assert expect.what.replace(DIR, '…').replace('|', '\\|') in doc, case.id
        if getattr(expect, 'log', None):
            assert expect.log.replace(DIR, '…') in doc, case.id
