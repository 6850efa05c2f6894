"""Benchmark parts of the package: the plan, runs and report of
``tools/benchmark.py`` (:mod:`.cli` and the modules it names) and the
end-to-end training speed run (:mod:`.train_speed`)."""
from .specs import MODELS, DatasetSpec, ModelSpec, Scale
from .train_speed import SCALES, measure_training, speed_config

__all__ = ['MODELS', 'DatasetSpec', 'ModelSpec', 'SCALES', 'Scale', 'measure_training',
           'speed_config']
