"""Check every input a run will read before it trains or tests.

Without it a run with a missing feature file trains the language module for
minutes before the first video is read. :func:`check_inputs` walks the
sections of the config a run uses, finds the readers in them and, in one
pass, through the readers' own API:

- loads every annotation reader (annotations and their durations);
- builds every feature reader of a ``LoadVideoFeatures`` step and, for the
  dataset that step belongs to, checks that every video of its annotation
  has features (a membership test, no read), and reads the first video and
  an even sample of :data:`SAMPLE` videos: each must pass the reader's
  checks, read on its own (a first video of another dimension is not held
  against the next), and have the dimension the model expects
  (``video_encoder.in_dim``);
- builds every word-vector source and checks that its file exists.

All problems are reported together in one :class:`InputCheckError`, one
line each, naming the file and what is wrong.
"""
import json
import os.path as osp
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.logging import print_log

from ..datasets import BaseAnnotationReader, BaseFeatureReader, DataFileError, FeatureError
from ..datasets.text import BaseWordVectors
from ..registry import DATA_SOURCES
from ..utils import SetupError, build_pinned, pipeline_steps, walk_dicts

#: Videos read per feature source (the first one included).
SAMPLE = 16
#: Config sections a training / a test reads.
TRAIN_SECTIONS = ('model', 'train_dataloader', 'val_dataloader', 'custom_hooks')
TEST_SECTIONS = ('model', 'test_dataloader', 'custom_hooks')
#: Errors of a reader on a bad file (anything else is a bug, and raised).
_READ_ERRORS = (DataFileError, OSError, ValueError, KeyError, ImportError)


class InputCheckError(SetupError):
    """Inputs of a run that are missing or malformed. The message is the
    problem itself when there is one, else a count and one line each.

    Attributes:
        problems: One line per problem, each naming the file.
    """

    def __init__(self, problems: List[str], source: str) -> None:
        self.problems = list(problems)
        lines = '\n'.join(f'  - {p}' for p in problems)
        super().__init__(problems[0] if len(problems) == 1 else
                         f'{len(problems)} problems with the inputs of {source}, found '
                         f'before the run started:\n{lines}')


def _key(cfg: Any) -> str:
    return json.dumps(cfg, sort_keys=True, default=str)


def _kind(cfg: Any, base: type) -> bool:
    """Whether ``cfg`` is a config dict of a ``DATA_SOURCES`` class of ``base``."""
    if not isinstance(cfg, dict) or not isinstance(cfg.get('type'), str):
        return False
    obj = DATA_SOURCES.get(cfg['type'])
    return isinstance(obj, type) and issubclass(obj, base)


def _failure(error: Exception, label: str) -> str:
    if isinstance(error, DataFileError):
        return str(error)
    return f'{label}: {type(error).__name__}: {error}'


def _label(cfg: dict) -> str:
    """What a reader config reads, for messages of errors that name no file."""
    for field in ('ann_file', 'path'):
        if field in cfg:
            return osp.join(cfg.get('data_root') or '', cfg[field])
    return str(cfg.get('type'))


def _feature_steps(sections: Dict[str, Any]) -> Iterator[Tuple[dict, dict]]:
    """``(feature reader cfg, annotation cfg)`` of every ``LoadVideoFeatures``
    step of a dataset config."""
    for node in walk_dicts(sections):
        if 'annotation' in node and isinstance(node.get('pipeline'), (list, tuple, dict)):
            for step in pipeline_steps(node['pipeline']):
                if isinstance(step, dict) and step.get('type') == 'LoadVideoFeatures':
                    yield step['reader'], node['annotation']


def sample_ids(video_ids: Sequence[str], size: int = SAMPLE) -> List[str]:
    """The first id and ids spread evenly over ``video_ids`` (``size`` in all)."""
    if not video_ids:
        return []
    picks = np.unique(np.linspace(0, len(video_ids) - 1, min(size, len(video_ids))).round())
    return [video_ids[i] for i in picks.astype(int)]


class _Check:
    """The state of one :func:`check_inputs` pass."""

    def __init__(self, expected_dim: Optional[int], dim_source: str) -> None:
        self.expected_dim, self.dim_source = expected_dim, dim_source
        self.problems: List[str] = []
        self.videos: Dict[str, Optional[List[str]]] = {}
        self.counts = dict(annotations=0, features=0, present=0, read=0, vectors=0)

    def annotation(self, cfg: dict) -> Optional[List[str]]:
        """Load an annotation (once); its video ids in file order, or None."""
        key = _key(cfg)
        if key not in self.videos:
            try:
                records = build_pinned(DATA_SOURCES, cfg).load()
                self.videos[key] = list(dict.fromkeys(r.video_id for r in records))
                self.counts['annotations'] += 1
            except _READ_ERRORS as e:
                self.problems.append(_failure(e, _label(cfg)))
                self.videos[key] = None
        return self.videos[key]

    def features(self, reader_cfg: dict, video_ids: List[str], videos_of: str) -> None:
        """Check a feature reader against the ids of an annotation (``videos_of``)."""
        try:
            reader = build_pinned(DATA_SOURCES, reader_cfg)
        except _READ_ERRORS as e:
            self.problems.append(_failure(e, _label(reader_cfg)))
            return
        path = getattr(reader, 'path', _label(reader_cfg))
        own_dim = getattr(reader, 'feature_dim', None)  # None: the reader detects it
        if own_dim is not None and self.expected_dim not in (None, own_dim):
            self.problems.append(
                f'{path}: the reader expects feature dimension {own_dim}, the model '
                f'{self.expected_dim} ({self.dim_source})')
            return
        self.counts['features'] += 1
        bad, sample = [], sample_ids(video_ids)
        for vid in sample:
            if own_dim is None and isinstance(reader, BaseFeatureReader):
                reader.feature_dim = None  # each sampled video on its own
            try:
                dim = reader[vid].shape[1]
                self.counts['read'] += 1
            except _READ_ERRORS as e:
                if isinstance(e, FeatureError) and e.where is None:  # the whole source
                    self.problems.append(str(e))
                    return
                bad.append(_failure(e, _label(reader_cfg)))
                continue
            if self.expected_dim is not None and dim != self.expected_dim:
                source = (reader.source_of(vid) if isinstance(reader, BaseFeatureReader)
                          else _label(reader_cfg))
                bad.append(str(FeatureError(
                    source, f'feature dimension {dim}, the model expects {self.expected_dim} '
                    f'({self.dim_source})', vid)))
        self.problems += bad[:3]
        if len(bad) > 3:
            self.problems.append(f'{path}: {len(bad) - 3} more of the {len(sample)} sampled '
                                 f'videos of {videos_of} fail likewise')
        missing = [vid for vid in video_ids if vid not in reader]
        self.counts['present'] += len(video_ids) - len(missing)
        if missing:
            self.problems.append(str(FeatureError(
                path, f'{len(missing)} of the {len(video_ids)} videos of {videos_of} have no '
                f'features, e.g. {", ".join(map(repr, missing[:3]))}')))

    def word_vectors(self, cfg: dict) -> None:
        try:
            vectors = build_pinned(DATA_SOURCES, cfg)
        except _READ_ERRORS as e:
            self.problems.append(_failure(e, _label(cfg)))
            return
        path = getattr(vectors, 'path', None)
        if isinstance(path, str) and not osp.isfile(path):
            self.problems.append(f'{path}: word-vector file not found')
        self.counts['vectors'] += 1


def _frame_mismatches(cfg: Config, parts: Dict[str, Any]) -> List[str]:
    """Training resamples to ``model.num_frames`` (the label bank's ``T``)."""
    frames = (cfg.get('model') or {}).get('num_frames')
    if not isinstance(frames, int) or 'train_dataloader' not in parts:
        return []
    found = {n['num_frames'] for n in walk_dicts(parts['train_dataloader'])
             if n.get('type') == 'ResampleFeatures' and n.get('num_frames') != frames}
    return [f'{cfg.filename or "the config"}: the training pipeline resamples the features '
            f'to {t} frames, model.num_frames is {frames} (the label bank\'s length)'
            for t in sorted(found, key=str)]


def _expected_dim(cfg: Config) -> Tuple[Optional[int], str]:
    encoder = (cfg.get('model') or {}).get('video_encoder') or {}
    dim = encoder.get('in_dim') if isinstance(encoder, dict) else None
    return (dim, 'model.video_encoder.in_dim') if isinstance(dim, int) else (None, '')


def check_inputs(cfg: Config, sections: Sequence[str] = TRAIN_SECTIONS) -> None:
    """Check the inputs the config's ``sections`` read (see the module
    docstring); logs one line of what was checked.

    Args:
        cfg: The run's config (after ``--cfg-options``).
        sections: Top-level keys the run uses (:data:`TRAIN_SECTIONS`,
            :data:`TEST_SECTIONS`); absent or ``None`` ones are skipped.

    Raises:
        InputCheckError: listing every problem found.
    """
    parts = {k: cfg[k] for k in sections if cfg.get(k) is not None}
    expected, source = _expected_dim(cfg)
    check = _Check(expected, source)
    problems = check.problems
    problems += _frame_mismatches(cfg, parts)
    for node in walk_dicts(parts):
        if _kind(node, BaseAnnotationReader):
            check.annotation(node)
    seen = set()
    for reader_cfg, ann_cfg in _feature_steps(parts):
        if (_key(reader_cfg), _key(ann_cfg)) in seen:
            continue
        seen.add((_key(reader_cfg), _key(ann_cfg)))
        video_ids = check.annotation(ann_cfg)
        if video_ids is not None:
            check.features(reader_cfg, video_ids, _label(ann_cfg))
    for vectors_cfg in {_key(n): n for n in walk_dicts(parts)
                        if _kind(n, BaseWordVectors)}.values():
        check.word_vectors(vectors_cfg)
    if problems:
        raise InputCheckError(list(dict.fromkeys(problems)), cfg.filename or 'the config')
    c = check.counts
    print_log(f'inputs checked: {c["annotations"]} annotation file(s), {c["features"]} '
              f'feature source(s) ({c["present"]} videos present, {c["read"]} read'
              + (f', dimension {expected}' if expected else '') + f'), {c["vectors"]} '
              'word-vector source(s)', logger='current')
