"""No-video prior baselines."""
from .boundary_frequency_prior import BoundaryFrequencyPrior, boundary_evidence
from .base_prior import BaseMomentPrior, training_moments
from .fixed_priors import MeanMomentPrior, PredictAllPrior
from .frequency_prior import FrequencyPrior, grid_cell_counts
from .random_prior import RandomPrior

__all__ = ['BaseMomentPrior', 'training_moments', 'PredictAllPrior',
           'MeanMomentPrior', 'FrequencyPrior', 'grid_cell_counts', 'RandomPrior',
           'BoundaryFrequencyPrior', 'boundary_evidence']
