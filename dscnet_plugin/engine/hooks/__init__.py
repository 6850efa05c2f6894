"""Hooks."""
from .prior_comparison_hook import PriorComparisonHook

__all__ = ['PriorComparisonHook']
