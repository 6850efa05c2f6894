"""Datasets, readers of annotation / feature / word-vector files, and
pipeline transforms."""
from .annotations import (ActivityNetCaptionsAnnotation, BaseAnnotationReader,
                          CharadesSTAAnnotation, MomentDETRAnnotation, MomentRecord,
                          load_durations, write_moment_detr_jsonl)
from .base_grounding_dataset import BaseGroundingDataset
from .errors import (AnnotationError, CheckpointError, DataFileError, FeatureError,
                     UnsafeFileError, WordVectorError)
from .features import (ArrayDirFeatures, BaseFeatureReader, HDF5Features,
                       QueryFeatures, VideoFeatures, resample_features)
from .grounding_dataset import GroundingDataset
from .synthetic import (SyntheticGroundingAnnotation, SyntheticGroundingGenerator,
                        SyntheticWordVectors)
from .text import (GloveTextVectors, KumoGloveVectors, QueryVocabulary,
                   Vocabulary, build_embedding_matrix, tokenize)
from .transforms import (EncodeQueryText, LoadQueryFeatures, LoadVideoFeatures,
                         PackGroundingInputs, ResampleFeatures, TokenizeQuery)
from .unpaired_datasets import (BOUNDARY_FIELDS, QUERY_FIELDS, VIDEO_FIELDS,
                                QuerySetDataset, UnpairedVideoDataset)

__all__ = [
    'ActivityNetCaptionsAnnotation', 'BaseAnnotationReader',
    'CharadesSTAAnnotation', 'MomentDETRAnnotation', 'MomentRecord', 'load_durations',
    'write_moment_detr_jsonl',
    'BaseGroundingDataset', 'AnnotationError', 'CheckpointError', 'DataFileError',
    'FeatureError', 'UnsafeFileError',
    'WordVectorError', 'ArrayDirFeatures', 'BaseFeatureReader', 'HDF5Features',
    'VideoFeatures', 'QueryFeatures', 'resample_features', 'GroundingDataset',
    'SyntheticGroundingAnnotation', 'SyntheticGroundingGenerator',
    'SyntheticWordVectors', 'GloveTextVectors', 'KumoGloveVectors',
    'QueryVocabulary', 'Vocabulary', 'build_embedding_matrix', 'tokenize',
    'EncodeQueryText', 'LoadQueryFeatures', 'LoadVideoFeatures', 'PackGroundingInputs',
    'ResampleFeatures',
    'TokenizeQuery', 'BOUNDARY_FIELDS', 'QUERY_FIELDS', 'VIDEO_FIELDS',
    'QuerySetDataset', 'UnpairedVideoDataset'
]
