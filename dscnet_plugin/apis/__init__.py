"""High-level APIs."""
from .grounding_inferencer import GroundingInferencer
from .load_weights import apply_state_dict, load_weights
from .model_init import init_model

__all__ = ['init_model', 'GroundingInferencer', 'load_weights', 'apply_state_dict']
