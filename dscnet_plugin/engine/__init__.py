"""Engine parts run by the mmengine Runner: the hooks of Algorithm 1 and
the prior comparison."""
from .hooks import IterativeRelabelHook, PriorComparisonHook, SemanticClusteringHook

__all__ = ['IterativeRelabelHook', 'PriorComparisonHook', 'SemanticClusteringHook']
