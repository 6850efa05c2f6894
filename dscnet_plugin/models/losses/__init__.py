"""Loss modules; each carries its own weight."""
from .centre_regression_loss import CentreRegressionLoss
from .encoder_spread_loss import EncoderSpreadLoss, pairwise_cosine_mean
from .foreground_triplet_loss import ForegroundTripletLoss
from .grounding_bce_loss import GroundingBCELoss
from .neck_diversity_loss import NeckDiversityLoss
from .reconstruction_loss import ReconstructionLoss
from .sentence_mse_loss import SentenceMSELoss
from .specific_attention_loss import SpecificAttentionLoss, cosine_distance

__all__ = ['CentreRegressionLoss', 'EncoderSpreadLoss', 'ForegroundTripletLoss', 'GroundingBCELoss',
           'NeckDiversityLoss', 'ReconstructionLoss', 'SentenceMSELoss', 'SpecificAttentionLoss',
           'cosine_distance', 'pairwise_cosine_mean']
