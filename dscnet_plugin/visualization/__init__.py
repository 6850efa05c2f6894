"""Visualisation of results: score curves (Figure 4, also through mmengine's
Visualizer), t-SNE of the query necks (Figure 5), pseudo-label evolution."""
from .grounding_visualizer import (GroundingVisualizer, draw_grounding, grounding_result,
                                   render_grounding)
from .label_evolution import plot_label_evolution
from .metric_table import METRIC_KEYS, format_metric_table, metric_rows
from .neck_tsne import PAPER_OBJECTS, PAPER_VERBS, match_groups, plot_neck_tsne, word_forms
from .score_curve import draw_score_curve, plot_score_curves

__all__ = ['METRIC_KEYS', 'format_metric_table', 'metric_rows', 'draw_score_curve',
           'plot_score_curves', 'GroundingVisualizer', 'draw_grounding', 'grounding_result',
           'render_grounding', 'plot_label_evolution', 'PAPER_VERBS', 'PAPER_OBJECTS',
           'match_groups', 'plot_neck_tsne', 'word_forms']
