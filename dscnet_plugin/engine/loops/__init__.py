"""Training loops of ours: device-resident training features."""
from .resident_features import ResidentFeatures, fits_on, resident_bytes, resident_of
from .resident_train_loop import ResidentEpochBasedTrainLoop

__all__ = ['ResidentFeatures', 'ResidentEpochBasedTrainLoop', 'fits_on', 'resident_bytes',
           'resident_of']
