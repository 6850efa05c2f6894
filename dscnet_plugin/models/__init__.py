"""Models and their registered parts: text encoders, neck clusterers,
pseudo-labellers, video encoders, attention heads, losses, inference
growers, data preprocessors, and the prior baselines."""
from .aligners import ClusterMatchingAligner
from .baselines import (BaseMomentPrior, BoundaryFrequencyPrior, FrequencyPrior,
                        MeanMomentPrior, PredictAllPrior, RandomPrior)
from .clusterers import KMeansNeckClusterer, SphericalKMeansNeckClusterer
from .data_preprocessors import GroundingDataPreprocessor
from .grounders import DSCNet, DSCNetVLM, ZeroShotVLMGrounder
from .growers import ProposalGrower, ThresholdGrower, TopKGrower
from .heads import ForegroundAttentionHead, SharedSpaceHead, SpecificAttentionHead
from .labellers import (ActivitySplitLabeller, AnchorShareLabeller, NCutLabeller,
                        SimilarityQuantileLabeller)
from .losses import (CentreRegressionLoss, ForegroundTripletLoss, GroundingBCELoss,
                     NeckDiversityLoss, ReconstructionLoss, SentenceMSELoss,
                     SpecificAttentionLoss)
from .text_encoders import CLIPTextEncoder, LSTMNeckAutoEncoder
from .video_encoders import SelfAttentionVideoEncoder

__all__ = [
    'ClusterMatchingAligner', 'ActivitySplitLabeller', 'AnchorShareLabeller',
    'BaseMomentPrior', 'BoundaryFrequencyPrior', 'FrequencyPrior', 'MeanMomentPrior',
    'PredictAllPrior', 'RandomPrior', 'KMeansNeckClusterer', 'SphericalKMeansNeckClusterer',
    'GroundingDataPreprocessor', 'DSCNet', 'DSCNetVLM', 'ZeroShotVLMGrounder',
    'ProposalGrower', 'ThresholdGrower', 'TopKGrower',
    'ForegroundAttentionHead', 'SharedSpaceHead', 'SpecificAttentionHead', 'NCutLabeller',
    'SimilarityQuantileLabeller', 'CentreRegressionLoss', 'ForegroundTripletLoss',
    'GroundingBCELoss', 'NeckDiversityLoss', 'ReconstructionLoss', 'SentenceMSELoss',
    'SpecificAttentionLoss', 'CLIPTextEncoder', 'LSTMNeckAutoEncoder',
    'SelfAttentionVideoEncoder'
]
