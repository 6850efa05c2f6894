"""Engine parts run by the mmengine Runner: the hooks of Algorithm 1, the
prior comparison, safe checkpointing, drawing evaluated samples; the Runner
with a quiet console."""
from .atomic_local_backend import AtomicLocalBackend, atomic_write_bytes
from .hooks import (GroundingVisualizationHook, IterativeRelabelHook, PriorComparisonHook,
                    SafeCheckpointHook, SemanticClusteringHook, is_complete_checkpoint,
                    latest_complete_checkpoint)
from .runner import QuietConsoleRunner, build_runner

__all__ = ['AtomicLocalBackend', 'atomic_write_bytes', 'GroundingVisualizationHook',
           'IterativeRelabelHook', 'PriorComparisonHook', 'SafeCheckpointHook',
           'SemanticClusteringHook', 'is_complete_checkpoint', 'latest_complete_checkpoint',
           'QuietConsoleRunner', 'build_runner']
