"""Grounding models."""
from .dscnet import DSCNet
from .zero_shot_vlm import ZeroShotVLMGrounder

__all__ = ['DSCNet', 'ZeroShotVLMGrounder']
