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
  ``"<file>, id 'vid': <what>"``;
* :class:`Repaired`: the documented repair, with the single summary line
  logged by :class:`~dscnet_plugin.datasets.annotations.RepairLog` and the
  repaired values checked;
* :class:`Works`: documented behaviour that is neither an error nor a repair
  (a query without any known word).

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
from dscnet_plugin.datasets.annotations import moment_record
from dscnet_plugin.datasets.text import embedding as embedding_module
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


@dataclass
class Repaired:
    """A documented repair: the summary ``log`` line (``None``: nothing
    logged), logged once per read of the file (``reads``), and
    ``check(result, root)`` on the repaired values."""
    log: Optional[str]
    check: Callable[[Any, Path], None]
    reads: int = 1


@dataclass
class Works:
    """Documented behaviour, checked by ``check(result, root, logs)``."""
    check: Callable[[Any, Path, List[str]], None]


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


def _oov_query(n_unk: int):
    """Check the packed query: ``n_unk`` ``<unk>`` tokens, then padding; the
    ``<unk>`` row of the embedding is the deterministic OOV vector."""

    def check(result, root, logs):
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


def _training_drops_the_moment(result, root):
    videos, queries = result
    assert [(v['video_id'], v['duration']) for v in videos] == [('v1', 10.0)]
    assert [q['query'] for q in queries] == ['a person opens the door.']


# ------------------------------------------------------------------ corpus
_DUR = f'{DIR}/durations.json'
_LINE_FORMAT = "'VID START END##sentence'"
_TIMES_FIELDS = "duration must be a number and timestamps a list of [start, end] numbers"
_ANET_OK = {'duration': 10.0, 'timestamps': [[1.0, 4.0]],
            'sentences': ['a person opens the door.']}
_ANET_FEATURES = h5_features(v2=None)  # the JSON cases name v1 only

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
                  'repairs: 1 start >= end dropped', _training_drops_the_moment,
                  reads=2)),  # each of the two collections reads the file
    # ----- durations files
    Case('durations-csv-non-numeric',
         grounding(charades(durations=b'id,length\nv1,10.0\nv2,twenty\nv3,15\n',
                            duration_file='durations.csv')),
         Raises(AnnotationError, 'durations.csv', 3,
                "duration of video 'v2' is 'twenty', expected a number of seconds")),
    Case('durations-csv-missing-column',
         grounding(charades(durations=b'id,seconds\nv1,10.0\nv2,20.0\n',
                            duration_file='durations.csv')),
         Raises(AnnotationError, 'durations.csv', 1,
                "csv header has ['id', 'seconds'], expected 'id' and 'length' columns")),
    Case('durations-json-non-positive',
         grounding(charades(durations={'v1': 10.0, 'v2': 0})),
         Raises(AnnotationError, 'durations.json', 'v2',
                "duration of video 'v2' is 0, expected a positive number of seconds")),
    Case('durations-csv-non-utf8',
         grounding(charades(durations=b'id,length\nv1,10.0\nv2\xe9,20.0\nv3,15\n',
                            duration_file='durations.csv')),
         Raises(AnnotationError, 'durations.csv', 3,
                "not UTF-8 text (invalid continuation byte at byte 20)")),
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
         Raises(AnnotationError, 'val.json', 'v1', _TIMES_FIELDS)),
    Case('activitynet-timestamp-triple',
         grounding(activitynet({'v1': {**_ANET_OK, 'timestamps': [[1.0, 2.0, 4.0]]}}),
                   _ANET_FEATURES),
         Raises(AnnotationError, 'val.json', 'v1', _TIMES_FIELDS)),
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
         Raises(FeatureError, 'feats', 'v3', 'no feature file v3{.npy,.pt}')),
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
         Works(_oov_query(3))),
    Case('query-punctuation-only',
         query_without_known_words('?! ... -- (!)'),
         Works(_oov_query(1))),
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
    """Lines logged by RepairLog.summary ('repairs') and by
    build_embedding_matrix ('embedding')."""
    out = dict(repairs=[], embedding=[])
    monkeypatch.setattr(moment_record, 'print_log',
                        lambda msg, **kwargs: out['repairs'].append(msg))
    monkeypatch.setattr(embedding_module, 'print_log',
                        lambda msg, **kwargs: out['embedding'].append(msg))
    return out


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
        assert not logs['repairs']
    elif isinstance(expect, Repaired):
        result = act()
        expected_log = ([] if expect.log is None
                        else [expect.log.replace(DIR, str(case_dir))] * expect.reads)
        assert logs['repairs'] == expected_log
        expect.check(result, case_dir)
    else:
        result = act()
        assert not logs['repairs']
        expect.check(result, case_dir, logs['embedding'])


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
        elif isinstance(expect, Repaired) and expect.log:
            assert expect.log.replace(DIR, '…') in doc, case.id
