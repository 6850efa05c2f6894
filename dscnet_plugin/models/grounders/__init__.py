"""Grounding models."""
from .dscnet import DSCNet

__all__ = ['DSCNet']
