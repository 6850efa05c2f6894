"""Keeps every validation / test result of a run, for scripts that compare runs."""
from typing import Any, Dict, List, Optional

from mmengine.hooks import Hook

from ...visualization.metric_table import metric_rows
from .prior_comparison_hook import PriorComparisonHook


class EvaluationRecorder(Hook):
    """Records every validation / test result: the metrics and, when the
    prior comparison hook ran, its whole table (model, control, priors).

    Not registered: scripts (``tools/benchmark.py``,
    ``tools/analysis/vlm_accuracy.py``) add it with ``runner.register_hook``.

    Attributes:
        evaluations: One dict per evaluation: ``mode`` (``'val'`` or
            ``'test'``), ``epoch``, ``metrics`` and ``table``.
    """

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.evaluations: List[Dict[str, Any]] = []

    def _record(self, runner, mode: str, metrics: Optional[dict]) -> None:
        comparison = [h for h in runner.hooks if isinstance(h, PriorComparisonHook)]
        table = dict(comparison[0].last_table) if comparison else {}
        self.evaluations.append(dict(mode=mode, epoch=runner.epoch,
                                     metrics=metric_rows({'m': metrics or {}})['m'],
                                     table=table))

    def after_val_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        self._record(runner, 'val', metrics)

    def after_test_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        self._record(runner, 'test', metrics)
