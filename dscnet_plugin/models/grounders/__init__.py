"""Grounding models."""
from .dscnet import DSCNet
from .dscnet_vlm import DSCNetVLM
from .zero_shot_vlm import ZeroShotVLMGrounder

__all__ = ['DSCNet', 'DSCNetVLM', 'ZeroShotVLMGrounder']
