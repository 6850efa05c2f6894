"""Inference growers: frame scores -> ranked segments."""
from .region_growing import grow_segments, to_normalized
from .threshold_grower import ThresholdGrower
from .topk_grower import TopKGrower

__all__ = ['ThresholdGrower', 'TopKGrower', 'grow_segments', 'to_normalized']
