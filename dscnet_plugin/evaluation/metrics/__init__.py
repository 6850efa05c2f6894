"""Metrics."""
from .grounding_recall import GroundingRecall

__all__ = ['GroundingRecall']
