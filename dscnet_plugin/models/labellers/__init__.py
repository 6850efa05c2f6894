"""Pseudo-labellers."""
from .ncut_labeller import NCutLabeller, center_similarity, foreground_side
from .similarity_quantile_labeller import SimilarityQuantileLabeller
from .spectral import ncut_fiedler

__all__ = ['NCutLabeller', 'SimilarityQuantileLabeller', 'center_similarity',
           'foreground_side', 'ncut_fiedler']
