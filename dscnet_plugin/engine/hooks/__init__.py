"""Hooks."""
from .epoch_timer_hook import EpochTimerHook
from .grounding_visualization_hook import GroundingVisualizationHook
from .iterative_relabel_hook import IterativeRelabelHook
from .prior_comparison_hook import PriorComparisonHook
from .query_clustering_hook import QueryClusteringHook
from .safe_checkpoint_hook import (SafeCheckpointHook, is_complete_checkpoint,
                                   latest_complete_checkpoint)
from .semantic_clustering_hook import SemanticClusteringHook
from .training_diagnostics_hook import TrainingDiagnosticsHook

__all__ = ['EpochTimerHook', 'GroundingVisualizationHook', 'IterativeRelabelHook',
           'PriorComparisonHook',
           'QueryClusteringHook', 'SemanticClusteringHook', 'SafeCheckpointHook',
           'TrainingDiagnosticsHook',
           'is_complete_checkpoint', 'latest_complete_checkpoint']
