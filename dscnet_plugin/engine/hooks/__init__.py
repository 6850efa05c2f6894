"""Hooks."""
from .iterative_relabel_hook import IterativeRelabelHook
from .prior_comparison_hook import PriorComparisonHook
from .semantic_clustering_hook import SemanticClusteringHook

__all__ = ['IterativeRelabelHook', 'PriorComparisonHook', 'SemanticClusteringHook']
