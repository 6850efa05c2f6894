"""Evaluation metrics of temporal grounding."""
from .metrics import GroundingRecall, MomentRetrievalMetric

__all__ = ['GroundingRecall', 'MomentRetrievalMetric']
