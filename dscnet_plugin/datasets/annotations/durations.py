"""Video durations from a Charades csv (``length`` column) or a JSON map."""
import csv
import io
import json
import math
import os.path as osp
from typing import Dict

from ..errors import AnnotationError


def _check_duration(path: str, vid: str, value, where) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise AnnotationError(path, f'duration of video {vid!r} is {value!r}, '
                              'expected a number of seconds', where) from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise AnnotationError(path, f'duration of video {vid!r} is {value!r}, '
                              'expected a positive number of seconds', where)
    return seconds


def load_durations(path: str) -> Dict[str, float]:
    """Read ``{video_id: seconds}``.

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
        try:
            with open(path, encoding='utf-8') as f:
                raw = json.load(f)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise AnnotationError(path, f'not valid JSON: {e}') from None
        if not isinstance(raw, dict):
            raise AnnotationError(path, 'expected a JSON object {video_id: seconds}')
        return {str(k): _check_duration(path, k, v, str(k)) for k, v in raw.items()}
    with open(path, 'rb') as f:
        data = f.read()
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as e:
        line = data.count(b'\n', 0, e.start) + 1
        raise AnnotationError(path, f'not UTF-8 text ({e.reason} at byte {e.start})',
                              line) from None
    reader = csv.DictReader(io.StringIO(text, newline=''))
    fields = reader.fieldnames or []
    if 'id' not in fields or 'length' not in fields:
        raise AnnotationError(path, f"csv header has {fields}, expected 'id' and "
                              "'length' columns", 1)
    return {row['id']: _check_duration(path, row['id'], row['length'], reader.line_num)
            for row in reader}
