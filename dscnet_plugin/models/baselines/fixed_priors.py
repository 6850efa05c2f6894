"""Priors with one fixed prediction: the whole video, the mean moment."""
from typing import Optional, Tuple, Union

import numpy as np

from ...registry import MODELS
from .base_prior import BaseMomentPrior, repeat_for, training_moments


@MODELS.register_module()
class PredictAllPrior(BaseMomentPrior):
    """Predicts the whole video ``[0, duration]``."""

    def predict_normalized(self, sample_idx: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        return repeat_for(len(sample_idx), [[0.0, 1.0]], [1.0])


@MODELS.register_module()
class MeanMomentPrior(BaseMomentPrior):
    """Predicts the mean normalised (start, end) of the training moments.

    Args:
        train_annotation: Config of the training annotation reader.
    """

    def __init__(self, train_annotation: Union[dict, object],
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor, init_cfg)
        self.mean_moment = training_moments(train_annotation).mean(axis=0)

    def predict_normalized(self, sample_idx: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        return repeat_for(len(sample_idx), [self.mean_moment], [1.0])
