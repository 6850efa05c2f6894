"""Annotation readers of the public grounding datasets."""
from .activitynet_captions import ActivityNetCaptionsAnnotation
from .base_reader import BaseAnnotationReader
from .charades_sta import CharadesSTAAnnotation
from .durations import load_durations
from .moment_record import MomentRecord, RepairLog
from .record_cache import clear_record_cache
from .seconds import parse_seconds

__all__ = ['BaseAnnotationReader', 'CharadesSTAAnnotation',
           'ActivityNetCaptionsAnnotation', 'MomentRecord', 'RepairLog',
           'load_durations', 'clear_record_cache', 'parse_seconds']
