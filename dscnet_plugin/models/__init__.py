"""Models: data preprocessors and baselines."""
from .baselines import (BaseMomentPrior, FrequencyPrior, MeanMomentPrior,
                        PredictAllPrior, RandomPrior)
from .data_preprocessors import GroundingDataPreprocessor

__all__ = ['BaseMomentPrior', 'FrequencyPrior', 'MeanMomentPrior',
           'PredictAllPrior', 'RandomPrior', 'GroundingDataPreprocessor']
