"""Charades-STA annotations: ``VID START END##sentence`` lines."""
import os.path as osp
from typing import List, Optional, Sequence

from ...registry import DATA_SOURCES
from ...utils import resolve_path
from ..errors import AnnotationError
from .base_reader import BaseAnnotationReader
from .durations import load_durations
from .moment_record import MomentRecord, RepairLog
from .seconds import parse_seconds


def _parse_line(path: str, lineno: int, line: str):
    if '##' not in line:
        raise AnnotationError(path, "missing '##' between the moment and the "
                              "sentence; expected 'VID START END##sentence'", lineno)
    head, sentence = line.split('##', 1)
    fields = head.split()
    if len(fields) != 3:
        raise AnnotationError(path, f'{len(fields)} fields before "##", expected '
                              "3: 'VID START END##sentence'", lineno)
    vid, start, end = fields
    try:
        start, end = parse_seconds(start), parse_seconds(end)
    except ValueError:
        raise AnnotationError(path, f'times {fields[1]!r} {fields[2]!r} are not '
                              'numbers of seconds', lineno) from None
    sentence = sentence.strip()
    if not sentence:
        raise AnnotationError(path, 'empty sentence after "##"', lineno)
    return vid, start, end, sentence


@DATA_SOURCES.register_module()
class CharadesSTAAnnotation(BaseAnnotationReader):
    """Reader of Charades-STA ``charades_sta_{train,test}.txt``.

    A record's ``query_id`` is its position among the kept records
    (``'0'``, ``'1'``, ...), as the converter numbers them.

    Args:
        ann_file: The annotation ``.txt``.
        duration_file: ``Charades_v1_{train,test}.csv`` (``length`` column)
            or a ``{video_id: seconds}`` JSON.
        data_root: Root of the relative paths.
    """

    def __init__(self, ann_file: str, duration_file: str,
                 data_root: Optional[str] = None) -> None:
        super().__init__(ann_file, data_root)
        self.duration_file = resolve_path(duration_file, data_root)

    def input_files(self) -> Sequence[str]:
        return self.ann_file, self.duration_file

    def read(self) -> List[MomentRecord]:
        path = self.ann_file
        if not osp.isfile(path):
            raise AnnotationError(path, 'annotation file not found')
        durations = load_durations(self.duration_file)
        repairs = RepairLog(path)
        records = []
        with open(path, 'rb') as f:
            for lineno, raw in enumerate(f, start=1):
                try:
                    line = raw.decode('utf-8')
                except UnicodeDecodeError as e:
                    raise AnnotationError(path, f'not UTF-8 text ({e.reason} at '
                                          f'byte {e.start})', lineno) from None
                if not line.strip():
                    continue
                vid, start, end, sentence = _parse_line(path, lineno, line)
                if vid not in durations:
                    raise AnnotationError(
                        path, f'video {vid!r} has no duration in '
                        f'{self.duration_file}', lineno)
                duration = durations[vid]
                fixed = repairs.fix(vid, start, end, duration, lineno)
                if fixed is None:
                    continue
                records.append(MomentRecord(vid, fixed[0], fixed[1], sentence,
                                            duration, f'{path}:{lineno}',
                                            query_id=str(len(records))))
        repairs.summary()
        return records
