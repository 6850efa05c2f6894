"""Benchmark parts of the package: the end-to-end training speed run."""
from .train_speed import SCALES, measure_training, speed_config

__all__ = ['SCALES', 'measure_training', 'speed_config']
