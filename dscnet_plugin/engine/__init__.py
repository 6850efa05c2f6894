"""Engine parts run by the mmengine Runner: hooks (and loops)."""
from .hooks import PriorComparisonHook

__all__ = ['PriorComparisonHook']
