"""Data pipeline transforms."""
from .base_transform import BaseTransform
from .formatting import PackGroundingInputs
from .loading import (LoadQueryFeatures, LoadVideoFeatures, ResampleFeatures,
                      TokenizeQuery)

__all__ = ['BaseTransform', 'LoadQueryFeatures', 'LoadVideoFeatures', 'ResampleFeatures',
           'TokenizeQuery', 'PackGroundingInputs']
