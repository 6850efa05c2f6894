"""Visualisation of results."""
from .metric_table import METRIC_KEYS, format_metric_table, metric_rows
from .score_curve import draw_score_curve, plot_score_curves

__all__ = ['METRIC_KEYS', 'format_metric_table', 'metric_rows', 'draw_score_curve',
           'plot_score_curves']
