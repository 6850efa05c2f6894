"""One annotated moment and the repair bookkeeping shared by readers."""
import math
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Optional, Union

from mmengine.logging import print_log

from ..errors import AnnotationError


@dataclass(frozen=True)
class MomentRecord:
    """A (video, sentence, moment) triple read from an annotation file.

    Attributes:
        video_id: Video identifier as in the feature files.
        start: Moment start in seconds (the first ground-truth window).
        end: Moment end in seconds (``start < end <= duration``).
        sentence: The raw query sentence.
        duration: Video duration in seconds.
        source: Where the record came from (``file:line`` or ``file:id``).
        query_id: The query's id (``qid`` of a jsonl file; the record's
            position among the file's kept records, ``'0'``, ``'1'``, ...,
            for the formats without ids). Query features are keyed by it.
        windows: Every ground-truth window ``((start, end), ...)`` in
            seconds, repaired, file order; ``(start, end)`` is the first.
            Left empty, it becomes ``((start, end),)``. A record without
            ground truth (a test release read with ``require_windows=False``)
            has ``windows == ()`` and NaN ``start`` / ``end``.
    """
    video_id: str
    start: float
    end: float
    sentence: str
    duration: float
    source: str = ''
    query_id: str = ''
    windows: tuple = ()

    def __post_init__(self) -> None:
        windows = tuple((float(s), float(e)) for s, e in self.windows)
        if not windows and math.isfinite(self.start) and math.isfinite(self.end):
            windows = ((float(self.start), float(self.end)),)
        object.__setattr__(self, 'windows', windows)

    @property
    def has_ground_truth(self) -> bool:
        """Whether the record holds at least one ground-truth window."""
        return bool(self.windows)


def require_ground_truth(records: Iterable[MomentRecord], path: str, purpose: str) -> None:
    """Refuse records without ground truth where boundaries are needed.

    Args:
        records: The records of one file.
        path: The file, for the message.
        purpose: What needs the boundaries (e.g. ``'evaluation'``).

    Raises:
        AnnotationError: naming the file, how many records lack windows and
            the first of them.
    """
    missing = [r for r in records if not r.has_ground_truth]
    if missing:
        raise AnnotationError(path, f'{len(missing)} queries have no ground-truth window '
                              f'(first: {missing[0].source}); {purpose} needs them. A test '
                              'release without windows serves prediction only; use the '
                              'file with ground truth')


class RepairLog:
    """Counts repairs made while reading one file and logs them once."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.counts: Counter = Counter()
        self.read = 0

    def add(self, kind: str) -> None:
        """Count one repair of ``kind`` (e.g. ``'end clipped to duration'``)."""
        self.counts[kind] += 1

    def fix(self, video_id: str, start: float, end: float, duration: float,
            where: Union[int, str, None] = None) -> Optional[tuple]:
        """Repair a moment: clip it into ``[0, duration]``, drop it if empty.

        Args:
            video_id: The moment's video.
            start: Start in seconds.
            end: End in seconds.
            duration: The video's duration in seconds.
            where: Line number or id, for the error message.

        Returns:
            ``(start, end)`` after clipping, or ``None`` if it is dropped.

        Raises:
            AnnotationError: if a time is NaN or infinite.
        """
        if not (math.isfinite(start) and math.isfinite(end)):
            raise AnnotationError(self.path, f'moment ({start}, {end}) of video '
                                  f'{video_id!r} is not finite', where)
        self.read += 1
        if start < 0:
            start = 0.0
            self.add('start < 0 clipped to 0')
        if end > duration:
            end = duration
            self.add('end > duration clipped to duration')
        if start >= end:
            self.add('start >= end dropped')
            return None
        return start, end

    def summary(self) -> None:
        """Log one line with the counts (nothing if no repair was made)."""
        if not self.counts:
            return
        kept = self.read - self.counts['start >= end dropped']
        parts = ', '.join(f'{n} {kind}' for kind, n in sorted(self.counts.items()))
        print_log(f'{self.path}: {self.read} moments read, {kept} kept; '
                  f'repairs: {parts}', logger='current')

