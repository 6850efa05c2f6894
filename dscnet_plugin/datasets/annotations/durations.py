"""Video durations from a Charades csv (``length`` column) or a JSON map."""
import csv
import io
import math
import os.path as osp
from typing import Dict

from ..errors import AnnotationError
from .json_object import load_json_object
from .seconds import parse_seconds


def _check_duration(path: str, vid: str, value, where) -> float:
    try:
        seconds = parse_seconds(value)
    except ValueError:
        raise AnnotationError(path, f'duration of video {vid!r} is {value!r}, '
                              'expected a number of seconds', where) from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise AnnotationError(path, f'duration of video {vid!r} is {value!r}, '
                              'expected a positive number of seconds', where)
    return seconds


def _load_csv(path: str) -> Dict[str, float]:
    with open(path, 'rb') as f:
        data = f.read()
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as e:
        line = data.count(b'\n', 0, e.start) + 1
        raise AnnotationError(path, f'not UTF-8 text ({e.reason} at byte {e.start})',
                              line) from None
    reader = csv.DictReader(io.StringIO(text, newline=''))
    try:
        fields = reader.fieldnames or []
        if 'id' not in fields or 'length' not in fields:
            raise AnnotationError(path, f"csv header has {fields}, expected 'id' and "
                                  "'length' columns", 1)
        durations: Dict[str, float] = {}
        first_line: Dict[str, int] = {}
        for row in reader:
            vid = row['id']
            if vid is None:
                raise AnnotationError(path, 'row has no id field', reader.line_num)
            if vid in durations:
                raise AnnotationError(path, f'video {vid!r} is listed again (first on '
                                      f'line {first_line[vid]})', reader.line_num)
            durations[vid] = _check_duration(path, vid, row['length'], reader.line_num)
            first_line[vid] = reader.line_num
    except csv.Error as e:
        raise AnnotationError(path, f'not valid csv: {e}', reader.line_num) from None
    return durations


def load_durations(path: str) -> Dict[str, float]:
    """Read ``{video_id: seconds}``.

    Durations are parsed strictly (see
    :func:`~dscnet_plugin.datasets.annotations.seconds.parse_seconds`): a
    plain decimal or scientific-notation number (a JSON number or a numeric
    string), positive and finite. A video listed twice is an error.

    Args:
        path: A ``.csv`` with ``id`` and ``length`` columns (the Charades
            ``Charades_v1_{train,test}.csv``) or a ``.json`` object mapping
            video ids to seconds.

    Returns:
        Durations in seconds by video id.
    """
    if not osp.isfile(path):
        raise AnnotationError(path, 'duration file not found')
    if path.lower().endswith('.json'):
        raw = load_json_object(path, '{video_id: seconds}')
        return {k: _check_duration(path, k, v, k) for k, v in raw.items()}
    return _load_csv(path)
