"""Metrics."""
from .grounding_recall import GroundingRecall
from .moment_retrieval import MomentRetrievalMetric

__all__ = ['GroundingRecall', 'MomentRetrievalMetric']
