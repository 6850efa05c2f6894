"""Loops of ours: device-resident training features, validation batches
kept on the device."""
from .resident_features import ResidentFeatures, fits_on, resident_bytes, resident_of
from .resident_train_loop import ResidentEpochBasedTrainLoop
from .resident_val_loop import ResidentBatches, ResidentValLoop, item_bytes

__all__ = ['ResidentBatches', 'ResidentFeatures', 'ResidentEpochBasedTrainLoop',
           'ResidentValLoop', 'fits_on', 'item_bytes', 'resident_bytes', 'resident_of']
