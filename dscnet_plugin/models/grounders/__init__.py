"""Grounding models."""
from .dscnet import DSCNet
from .dscnet_vlm import DSCNetVLM

__all__ = ['DSCNet', 'DSCNetVLM']
