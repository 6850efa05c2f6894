"""Evaluation metrics of temporal grounding."""
from .metrics import GroundingRecall

__all__ = ['GroundingRecall']
