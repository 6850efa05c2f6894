"""Engine parts run by the mmengine Runner: the hooks of Algorithm 1, the
prior comparison, safe checkpointing, drawing evaluated samples, training
diagnostics (and their pure functions in :mod:`.diagnostics`), a plateau
stopping rule; the training loop with device-resident features; the Runner with a quiet console."""
from .atomic_local_backend import AtomicLocalBackend, atomic_write_bytes
from .hooks import (GroundingVisualizationHook, IterativeRelabelHook, PriorComparisonHook,
                    QueryClusteringHook, SafeCheckpointHook, SemanticClusteringHook,
                    TrainingDiagnosticsHook,
                    is_complete_checkpoint, latest_complete_checkpoint)
from .loops import ResidentEpochBasedTrainLoop, ResidentFeatures, ResidentValLoop
from .plateau_stopper import PlateauStopper
from .runner import QuietConsoleRunner, build_runner
from .input_check import TEST_SECTIONS, TRAIN_SECTIONS, InputCheckError, check_inputs
from .run_guard import guarded_training, launch_rank
from .work_dir_guard import check_work_dir_config, checkpoint_config
from .work_dir_lock import WorkDirError, WorkDirLock

__all__ = ['AtomicLocalBackend', 'atomic_write_bytes', 'GroundingVisualizationHook',
           'IterativeRelabelHook', 'PriorComparisonHook', 'QueryClusteringHook',
           'SafeCheckpointHook',
           'SemanticClusteringHook', 'TrainingDiagnosticsHook', 'PlateauStopper',
           'ResidentEpochBasedTrainLoop', 'ResidentFeatures', 'ResidentValLoop',
           'is_complete_checkpoint', 'latest_complete_checkpoint',
           'QuietConsoleRunner', 'build_runner',
           'InputCheckError', 'check_inputs', 'TRAIN_SECTIONS', 'TEST_SECTIONS',
           'guarded_training', 'launch_rank', 'check_work_dir_config', 'checkpoint_config',
           'WorkDirError', 'WorkDirLock']
