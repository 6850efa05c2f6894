"""moment_detr / QVHighlights annotations: one JSON object a line.

Each line: ``{"qid": int | str, "query": str, "vid": str, "duration":
seconds, "relevant_windows": [[start, end], ...]}``. Other keys
(QVHighlights' ``relevant_clip_ids``, ``saliency_scores``) are ignored.
"""
import json
import math
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ...registry import DATA_SOURCES
from ...utils.atomic_files import atomic_text
from ..errors import AnnotationError
from .base_reader import BaseAnnotationReader
from .json_object import decode_json, repeated_key_error
from .moment_record import MomentRecord, RepairLog
from .seconds import parse_seconds

#: Keys every line holds (``relevant_windows`` too unless the reader is
#: told the file has no ground truth).
REQUIRED_KEYS = ('qid', 'query', 'vid', 'duration')
WINDOWS_KEY = 'relevant_windows'
#: Count of the queries dropped because the repairs dropped all their windows.
ALL_DROPPED = 'queries with every window dropped'
_EXPECTED = ('a JSON object {"qid", "query", "vid", "duration", '
             '"relevant_windows": [[start, end], ...]}')


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value's type."""
    for kind, name in ((bool, 'boolean'), (dict, 'object'), (list, 'list'),
                       (str, 'string'), ((int, float), 'number')):
        if isinstance(value, kind):
            return name
    return 'null' if value is None else type(value).__name__


def _line_object(path: str, lineno: int, raw: bytes) -> Optional[dict]:
    """The object of one line (``None`` for a blank line)."""
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as e:
        raise AnnotationError(path, f'not UTF-8 text ({e.reason} at byte {e.start})',
                              lineno) from None
    if not text.strip():
        return None
    try:
        obj = decode_json(text)
    except (ValueError, RecursionError) as e:
        raise AnnotationError(path, f'not valid JSON: {e}', lineno) from None
    if not isinstance(obj, dict):
        raise AnnotationError(path, f'holds a JSON {_json_type(obj)}, expected '
                              f'{_EXPECTED}', lineno)
    repeated_key_error(path, obj, lineno)
    return obj


def _query_id(path: str, lineno: int, qid: Any) -> str:
    if isinstance(qid, int) and not isinstance(qid, bool):
        return str(qid)
    if isinstance(qid, str) and qid.strip() == qid and qid \
            and not any(c in qid for c in '/\\\0'):
        return qid
    raise AnnotationError(path, f'qid is {qid!r}, expected an integer or a non-empty '
                          'string without spaces at its ends or path separators', lineno)


def _text(path: str, lineno: int, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AnnotationError(path, f'{key} is {value!r}, expected a non-empty string',
                              lineno)
    return value.strip()


def _duration(path: str, lineno: int, value: Any) -> float:
    try:
        duration = parse_seconds(value)
    except ValueError:
        raise AnnotationError(path, f'duration is {value!r}, expected a number of '
                              'seconds', lineno) from None
    if not math.isfinite(duration) or duration <= 0:
        raise AnnotationError(path, f'duration is {value!r}, expected a positive finite '
                              'number of seconds', lineno)
    return duration


def _windows(path: str, lineno: int, value: Any) -> List[Tuple[float, float]]:
    """The raw ``[[start, end], ...]`` of one line (not yet repaired)."""
    if not isinstance(value, list):
        raise AnnotationError(path, f'relevant_windows is a JSON {_json_type(value)}, '
                              'expected a list of [start, end] numbers', lineno)
    out = []
    for k, pair in enumerate(value):
        try:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError
            out.append((parse_seconds(pair[0]), parse_seconds(pair[1])))
        except ValueError:
            raise AnnotationError(path, f'window {k} is {pair!r}, expected [start, end] '
                                  'numbers of seconds', lineno) from None
    return out


@DATA_SOURCES.register_module()
class MomentDETRAnnotation(BaseAnnotationReader):
    """Reader of moment_detr / QVHighlights ``.jsonl`` annotations.

    One JSON object a line (blank lines skipped) with ``qid`` (an integer or
    a string; unique in the file, it becomes the record's ``query_id``),
    ``query``, ``vid``, ``duration`` (seconds, positive) and
    ``relevant_windows`` (``[[start, end], ...]`` seconds, one or more);
    other keys are ignored. Times are JSON numbers (numeric strings are
    read strictly, booleans refused).

    Repairs (counted and logged once by :class:`RepairLog`): a window is
    clipped into ``[0, duration]``, an empty one dropped; a query whose
    windows are all dropped is dropped. The record's ``start`` / ``end``
    are its first kept window, ``windows`` all of them in file order.

    A line without ``relevant_windows`` (or with an empty list) is an error
    unless ``require_windows=False``: then it loads without ground truth
    (``windows == ()``, NaN ``start`` / ``end``), for prediction only (e.g.
    the QVHighlights test release); :class:`GroundingDataset` and the priors
    refuse such records. Every other defect is an ``AnnotationError`` naming
    the file and line.

    Args:
        ann_file: The ``.jsonl`` file.
        data_root: Root of the relative paths.
        require_windows: Whether every line must hold ground-truth windows.
    """

    def __init__(self, ann_file: str, data_root: Optional[str] = None,
                 require_windows: bool = True) -> None:
        super().__init__(ann_file, data_root)
        self.require_windows = bool(require_windows)

    def read(self) -> List[MomentRecord]:
        path = self.ann_file
        if not osp.isfile(path):
            raise AnnotationError(path, 'annotation file not found')
        repairs = RepairLog(path)
        records: List[MomentRecord] = []
        first_line: Dict[str, int] = {}
        with open(path, 'rb') as f:
            for lineno, raw in enumerate(f, start=1):
                obj = _line_object(path, lineno, raw)
                if obj is None:
                    continue
                qid, record = self._record(path, lineno, obj, repairs)
                if qid in first_line:
                    raise AnnotationError(path, f'qid {qid} is given again (first on '
                                          f'line {first_line[qid]})', lineno)
                first_line[qid] = lineno
                if record is not None:
                    records.append(record)
        repairs.summary()
        return records

    def _record(self, path: str, lineno: int, obj: dict,
                repairs: RepairLog) -> Tuple[str, Optional[MomentRecord]]:
        """``(query id, record)`` of one line; the record is ``None`` when
        the repairs dropped every window."""
        missing = [k for k in REQUIRED_KEYS if k not in obj]
        if self.require_windows and WINDOWS_KEY not in obj:
            missing.append(WINDOWS_KEY)
        if missing:
            hint = (' (a release without ground truth? read it with '
                    'require_windows=False, for prediction only)'
                    if missing == [WINDOWS_KEY] else '')
            raise AnnotationError(path, f'missing key(s) {missing}; expected '
                                  f'{_EXPECTED}{hint}', lineno)
        qid = _query_id(path, lineno, obj['qid'])
        query = _text(path, lineno, 'query', obj['query'])
        vid = _text(path, lineno, 'vid', obj['vid'])
        duration = _duration(path, lineno, obj['duration'])
        raw = _windows(path, lineno, obj[WINDOWS_KEY]) if WINDOWS_KEY in obj else []
        source = f'{path}:{lineno}'
        if not raw:
            if self.require_windows:
                raise AnnotationError(path, 'relevant_windows is empty; expected at least '
                                      'one [start, end] (or read the file with '
                                      'require_windows=False, for prediction only)', lineno)
            return qid, MomentRecord(vid, math.nan, math.nan, query, duration, source, qid)
        kept = [w for w in (repairs.fix(vid, s, e, duration, lineno) for s, e in raw)
                if w is not None]
        if not kept:
            repairs.add(ALL_DROPPED)
            return qid, None
        return qid, MomentRecord(vid, kept[0][0], kept[0][1], query, duration, source,
                                 qid, tuple(kept))


def moment_detr_line(record: MomentRecord, qid: Any) -> str:
    """One jsonl line (no newline) of ``record`` under ``qid``; a record
    without ground truth is written without ``relevant_windows``."""
    obj = dict(qid=qid, query=record.sentence, vid=record.video_id,
               duration=record.duration)
    if record.has_ground_truth:
        obj[WINDOWS_KEY] = [list(w) for w in record.windows]
    return json.dumps(obj, allow_nan=False)  # ASCII: no U+2028 / U+0085 in a line


def write_moment_detr_jsonl(records: Sequence[MomentRecord], path: str,
                            first_qid: int = 0) -> int:
    """Write records as moment_detr jsonl, atomically (a reader never sees
    a half-written file).

    Args:
        records: The records, in the order they are written.
        path: The ``.jsonl`` file (its folder is created).
        first_qid: ``qid`` of the first record; record ``i`` gets
            ``first_qid + i`` (so several files can be numbered in turn).

    Returns:
        The number of lines written.

    Raises:
        OutputFileError: the file cannot be written (disk full...).
    """
    if isinstance(first_qid, bool) or not isinstance(first_qid, int):
        raise TypeError(f'first_qid must be an int, got {first_qid!r}')
    lines = [moment_detr_line(r, first_qid + i) for i, r in enumerate(records)]
    atomic_text(path, ''.join(line + '\n' for line in lines))
    return len(lines)
