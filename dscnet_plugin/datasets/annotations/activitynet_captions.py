"""ActivityNet Captions: ``{vid: {duration, timestamps, sentences}}`` JSON."""
import math
import os.path as osp
from typing import List, Tuple

from ...registry import DATA_SOURCES
from ..errors import AnnotationError
from .base_reader import BaseAnnotationReader
from .json_object import load_json_object, repeated_key_error
from .moment_record import MomentRecord, RepairLog
from .seconds import parse_seconds

_KEYS = ('duration', 'timestamps', 'sentences')


def _times(path: str, vid: str, item: dict) -> Tuple[float, List[Tuple[float, float]]]:
    """``(duration, [(start, end), ...])`` of one video, parsed strictly."""
    try:
        duration = parse_seconds(item['duration'])
    except ValueError:
        raise AnnotationError(path, f"duration is {item['duration']!r}, expected a "
                              'number of seconds', vid) from None
    stamps = item['timestamps']
    if not isinstance(stamps, list):
        raise AnnotationError(path, f'timestamps is a {type(stamps).__name__}, expected '
                              'a list of [start, end] numbers', vid)
    out = []
    for k, pair in enumerate(stamps):
        try:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError
            out.append((parse_seconds(pair[0]), parse_seconds(pair[1])))
        except ValueError:
            raise AnnotationError(path, f'timestamp {k} is {pair!r}, expected [start, end] '
                                  'numbers of seconds', vid) from None
    return duration, out


@DATA_SOURCES.register_module()
class ActivityNetCaptionsAnnotation(BaseAnnotationReader):
    """Reader of ActivityNet Captions ``train.json`` / ``val_1`` / ``val_2``.

    Times are JSON numbers (numeric strings such as ``"12.5"`` are also
    read, strictly; booleans are refused); a video id or a key of a video
    given twice is an error. A record's ``query_id`` is its position among
    the kept records (``'0'``, ``'1'``, ...).

    Args:
        ann_file: The annotation JSON.
        data_root: Root of the relative paths.
    """

    def read(self) -> List[MomentRecord]:
        path = self.ann_file
        if not osp.isfile(path):
            raise AnnotationError(path, 'annotation file not found')
        raw = load_json_object(path, '{video_id: {duration, timestamps, sentences}}')
        repairs = RepairLog(path)
        records = []
        for vid, item in raw.items():
            missing = [k for k in _KEYS if not isinstance(item, dict) or k not in item]
            if missing:
                raise AnnotationError(path, f'missing key(s) {missing}; expected '
                                      f'{list(_KEYS)}', vid)
            repeated_key_error(path, item, vid)
            duration, stamps = _times(path, vid, item)
            sentences = item['sentences']
            if not isinstance(sentences, list):
                raise AnnotationError(path, f'sentences is a {type(sentences).__name__}, '
                                      'expected a list of strings', vid)
            if len(stamps) != len(sentences):
                raise AnnotationError(path, f'{len(stamps)} timestamps but '
                                      f'{len(sentences)} sentences', vid)
            if not math.isfinite(duration) or duration <= 0:
                raise AnnotationError(path, f'duration {duration} is not positive', vid)
            for k, ((start, end), sentence) in enumerate(zip(stamps, sentences)):
                if not isinstance(sentence, str):
                    raise AnnotationError(path, f'sentence {k} is {sentence!r}, expected a '
                                          'string', vid)
                sentence = sentence.strip()
                if not sentence:
                    raise AnnotationError(path, f'sentence {k} is empty', vid)
                fixed = repairs.fix(vid, start, end, duration, vid)
                if fixed is not None:
                    records.append(MomentRecord(vid, fixed[0], fixed[1], sentence,
                                                duration, f'{path}:{vid}#{k}',
                                                query_id=str(len(records))))
        repairs.summary()
        return records
