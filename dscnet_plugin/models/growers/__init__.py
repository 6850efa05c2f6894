"""Inference growers: frame scores -> ranked segments."""
from .proposal_grower import ProposalGrower
from .region_growing import grow_segments, to_normalized
from .threshold_grower import ThresholdGrower
from .topk_grower import TopKGrower

__all__ = ['ProposalGrower', 'ThresholdGrower', 'TopKGrower', 'grow_segments',
           'to_normalized']
