"""ActivityNet Captions: ``{vid: {duration, timestamps, sentences}}`` JSON."""
import json
import math
import os.path as osp
from typing import List

from ...registry import DATA_SOURCES
from ..errors import AnnotationError
from .base_reader import BaseAnnotationReader
from .moment_record import MomentRecord, RepairLog

_KEYS = ('duration', 'timestamps', 'sentences')


@DATA_SOURCES.register_module()
class ActivityNetCaptionsAnnotation(BaseAnnotationReader):
    """Reader of ActivityNet Captions ``train.json`` / ``val_1`` / ``val_2``.

    Args:
        ann_file: The annotation JSON.
        data_root: Root of the relative paths.
    """

    def load(self) -> List[MomentRecord]:
        path = self.ann_file
        if not osp.isfile(path):
            raise AnnotationError(path, 'annotation file not found')
        try:
            with open(path, encoding='utf-8') as f:
                raw = json.load(f)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise AnnotationError(path, f'not valid JSON: {e}') from None
        if not isinstance(raw, dict):
            raise AnnotationError(path, 'expected a JSON object {video_id: '
                                  '{duration, timestamps, sentences}}')
        repairs = RepairLog(path)
        records = []
        for vid, item in raw.items():
            missing = [k for k in _KEYS if not isinstance(item, dict) or k not in item]
            if missing:
                raise AnnotationError(path, f'missing key(s) {missing}; expected '
                                      f'{list(_KEYS)}', vid)
            try:
                duration = float(item['duration'])
                stamps = [(float(s), float(e)) for s, e in item['timestamps']]
            except (TypeError, ValueError):
                raise AnnotationError(path, 'duration must be a number and '
                                      'timestamps a list of [start, end] numbers',
                                      vid) from None
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
                                                duration, f'{path}:{vid}#{k}'))
        repairs.summary()
        return records
