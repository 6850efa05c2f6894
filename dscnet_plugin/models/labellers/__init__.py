"""Pseudo-labellers."""
from .activity_split_labeller import ActivitySplitLabeller
from .anchor_share_labeller import AnchorShareLabeller
from .deviation_activity_labeller import DeviationActivityLabeller, otsu_thresholds
from .ncut_labeller import NCutLabeller, center_similarity, foreground_side
from .similarity_quantile_labeller import SimilarityQuantileLabeller
from .spectral import SOLVERS, ncut_fiedler, ncut_fiedler_eigh, pick_solver

__all__ = ['ActivitySplitLabeller', 'AnchorShareLabeller', 'DeviationActivityLabeller',
           'NCutLabeller', 'otsu_thresholds',
           'SimilarityQuantileLabeller',
           'center_similarity', 'foreground_side', 'ncut_fiedler', 'ncut_fiedler_eigh',
           'pick_solver', 'SOLVERS']
