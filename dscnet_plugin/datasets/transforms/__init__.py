"""Data pipeline transforms."""
from .base_transform import BaseTransform
from .formatting import PackGroundingInputs
from .loading import (LoadQueryFeatures, LoadVideoFeatures, ResampleFeatures,
                      TokenizeQuery)
from .text_encoding import EncodeQueryText

__all__ = ['BaseTransform', 'EncodeQueryText', 'LoadQueryFeatures', 'LoadVideoFeatures',
           'ResampleFeatures', 'TokenizeQuery', 'PackGroundingInputs']
