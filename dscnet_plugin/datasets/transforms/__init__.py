"""Data pipeline transforms."""
from .base_transform import BaseTransform
from .formatting import PackGroundingInputs
from .loading import LoadVideoFeatures, ResampleFeatures, TokenizeQuery

__all__ = ['BaseTransform', 'LoadVideoFeatures', 'ResampleFeatures',
           'TokenizeQuery', 'PackGroundingInputs']
