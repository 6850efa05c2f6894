"""Models and their registered parts: text encoders, neck clusterers,
pseudo-labellers, video encoders, attention heads, losses, inference
growers, data preprocessors, and the prior baselines."""
from .aligners import ClusterMatchingAligner
from .baselines import (BaseMomentPrior, BoundaryFrequencyPrior, FrequencyPrior,
                        MeanMomentPrior, PredictAllPrior, RandomPrior)
from .clusterers import KMeansNeckClusterer, SphericalKMeansNeckClusterer
from .data_preprocessors import GroundingDataPreprocessor
from .grounders import DSCNet, DSCNetVLM, ZeroShotVLMGrounder
from .growers import ThresholdGrower, TopKGrower
from .heads import ForegroundAttentionHead, SpecificAttentionHead
from .labellers import (ActivitySplitLabeller, AnchorShareLabeller, NCutLabeller,
                        SimilarityQuantileLabeller)
from .losses import (ForegroundTripletLoss, GroundingBCELoss, NeckDiversityLoss,
                     ReconstructionLoss, SentenceMSELoss, SpecificAttentionLoss)
from .text_encoders import CLIPTextEncoder, LSTMNeckAutoEncoder
from .video_encoders import SelfAttentionVideoEncoder

__all__ = [
    'ClusterMatchingAligner', 'ActivitySplitLabeller', 'AnchorShareLabeller',
    'BaseMomentPrior', 'BoundaryFrequencyPrior', 'FrequencyPrior', 'MeanMomentPrior', 'PredictAllPrior',
    'RandomPrior', 'KMeansNeckClusterer', 'SphericalKMeansNeckClusterer',
    'GroundingDataPreprocessor', 'DSCNet', 'DSCNetVLM', 'ThresholdGrower', 'TopKGrower',
    'ForegroundAttentionHead', 'SpecificAttentionHead', 'NCutLabeller',
    'SimilarityQuantileLabeller', 'ForegroundTripletLoss', 'GroundingBCELoss',
    'NeckDiversityLoss', 'ReconstructionLoss', 'SentenceMSELoss',
    'SpecificAttentionLoss', 'CLIPTextEncoder', 'LSTMNeckAutoEncoder',
    'SelfAttentionVideoEncoder', 'ZeroShotVLMGrounder'
]
