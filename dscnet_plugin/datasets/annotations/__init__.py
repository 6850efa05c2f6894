"""Annotation readers of the public grounding datasets."""
from .activitynet_captions import ActivityNetCaptionsAnnotation
from .base_reader import BaseAnnotationReader
from .charades_sta import CharadesSTAAnnotation
from .durations import load_durations
from .moment_detr import MomentDETRAnnotation, write_moment_detr_jsonl
from .moment_record import MomentRecord, RepairLog, require_ground_truth
from .record_cache import clear_record_cache
from .seconds import parse_seconds

__all__ = ['BaseAnnotationReader', 'CharadesSTAAnnotation',
           'ActivityNetCaptionsAnnotation', 'MomentDETRAnnotation',
           'write_moment_detr_jsonl', 'MomentRecord', 'RepairLog', 'require_ground_truth',
           'load_durations', 'clear_record_cache', 'parse_seconds']
