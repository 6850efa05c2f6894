"""Visualisation of results."""
from .metric_table import METRIC_KEYS, format_metric_table, metric_rows

__all__ = ['METRIC_KEYS', 'format_metric_table', 'metric_rows']
