"""High-level APIs."""
from .grounding_inferencer import GroundingInferencer
from .model_init import init_model

__all__ = ['init_model', 'GroundingInferencer']
