"""Annotation readers of the public grounding datasets."""
from .activitynet_captions import ActivityNetCaptionsAnnotation
from .base_reader import BaseAnnotationReader
from .charades_sta import CharadesSTAAnnotation
from .durations import load_durations
from .moment_record import MomentRecord, RepairLog

__all__ = ['BaseAnnotationReader', 'CharadesSTAAnnotation',
           'ActivityNetCaptionsAnnotation', 'MomentRecord', 'RepairLog',
           'load_durations']
