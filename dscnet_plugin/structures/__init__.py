"""Data structures and segment operations."""
from .grounding_data_sample import GroundingDataSample
from .segments import batched_nms, gather_kept, segment_iou

__all__ = ['GroundingDataSample', 'batched_nms', 'gather_kept', 'segment_iou']
