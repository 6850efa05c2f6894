"""Data structures and segment operations."""
from .grounding_data_sample import GroundingDataSample
from .predictions import attach_predictions
from .segments import batched_nms, gather_kept, segment_iou

__all__ = ['GroundingDataSample', 'attach_predictions', 'batched_nms', 'gather_kept',
           'segment_iou']
