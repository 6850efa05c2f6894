"""Video feature readers and resampling."""
from .array_dir_features import ArrayDirFeatures
from .base_reader import BaseFeatureReader, check_feature
from .hdf5_features import HDF5Features
from .query_features import QueryFeatures, check_query_feature
from .resample import resample_features
from .video_features import VideoFeatures

__all__ = ['BaseFeatureReader', 'check_feature', 'HDF5Features',
           'ArrayDirFeatures', 'VideoFeatures', 'resample_features',
           'QueryFeatures', 'check_query_feature']
