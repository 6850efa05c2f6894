"""Cheap training diagnostics, pure functions of tensors: label-bank
statistics, encoder-output cosine, centre cosine spread, collapse signs,
adjacent-frame score ratios at test time.
:class:`~dscnet_plugin.engine.TrainingDiagnosticsHook` logs them."""
from .center_spread import center_cosine_spread
from .collapse_checks import collapse_signs
from .feature_cosine import mean_pairwise_cosine
from .label_rows import distinct_label_rows
from .label_shares import foreground_share, majority_disagreement
from .score_ratios import score_ratio_summary

__all__ = ['center_cosine_spread', 'collapse_signs', 'mean_pairwise_cosine',
           'distinct_label_rows', 'foreground_share', 'majority_disagreement',
           'score_ratio_summary']
