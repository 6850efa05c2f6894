"""Embedded synthetic grounding dataset."""
from .generator import SyntheticGroundingGenerator
from .sources import SyntheticGroundingAnnotation, SyntheticWordVectors

__all__ = ['SyntheticGroundingGenerator', 'SyntheticGroundingAnnotation',
           'SyntheticWordVectors']
