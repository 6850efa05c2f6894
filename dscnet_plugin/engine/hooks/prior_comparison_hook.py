"""Print every evaluation result beside the no-video priors."""
import inspect
from typing import Dict, Optional, Sequence, Union

import numpy as np
from mmengine.hooks import Hook
from mmengine.logging import print_log

from ...evaluation import GroundingRecall
from ...registry import HOOKS, MODELS
from ...utils import build_pinned
from ...visualization import format_metric_table, metric_rows


def _grounding_metric(evaluator) -> GroundingRecall:
    for metric in getattr(evaluator, 'metrics', []):
        if isinstance(metric, GroundingRecall):
            return metric
    return GroundingRecall()


@HOOKS.register_module()
class PriorComparisonHook(Hook):
    """After each validation / test epoch, evaluate no-video priors on the
    same samples with the same metric settings and log one table with the
    model's row and theirs.

    The priors only read each sample's duration and ground truth from the
    dataset, so the comparison costs no extra pass over the features.

    Args:
        train_annotation: Config of the training annotation reader, given to
            every prior whose constructor takes ``train_annotation``.
        priors: Prior type names or model configs; the row name is the type.
        name: Row name of the evaluated model (default: its class name, with
            ' (evaluated)' added when a prior row has the same name).
    """

    priority = 'LOW'

    def __init__(self, train_annotation: Optional[dict] = None,
                 priors: Sequence[Union[str, dict]] = (
                     'FrequencyPrior', 'MeanMomentPrior', 'PredictAllPrior',
                     'RandomPrior'),
                 name: Optional[str] = None) -> None:
        self.train_annotation = train_annotation
        self.prior_cfgs = [dict(type=p) if isinstance(p, str) else dict(p) for p in priors]
        self.name = name
        self._priors = None
        self.last_table: Dict[str, dict] = {}

    def _build_priors(self):
        if self._priors is None:
            self._priors = {}
            for cfg in self.prior_cfgs:
                cls = MODELS.get(cfg['type'])
                if cls is None:
                    raise KeyError(f'unknown prior type {cfg["type"]!r}')
                if ('train_annotation' in inspect.signature(cls).parameters
                        and 'train_annotation' not in cfg):
                    cfg = dict(cfg, train_annotation=self.train_annotation)
                self._priors[cls.__name__] = build_pinned(MODELS, cfg)
        return self._priors

    def compare(self, dataset, metric: GroundingRecall) -> Dict[str, dict]:
        """Metrics of every prior on ``dataset``'s samples."""
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        durations = np.array([float(x['duration']) for x in infos])
        gt = np.array([x['gt_moment'] for x in infos], dtype=np.float64) / durations[:, None]
        idx = np.array([x.get('sample_idx', i) for i, x in enumerate(infos)])
        out = {}
        for name, prior in self._build_priors().items():
            segments, scores = prior.predict_normalized(idx)
            out[name] = metric.evaluate_arrays(segments, scores, np.isfinite(scores), gt)
        return out

    def _report(self, runner, dataloader, evaluator, metrics: Optional[dict]) -> None:
        if not metrics or runner.rank != 0:
            return
        priors = self.compare(dataloader.dataset, _grounding_metric(evaluator))
        name = self.name or type(runner.model).__name__
        if name in priors:  # a prior evaluated as the model keeps its own row
            name += ' (evaluated)'
        rows = {name: metrics, **priors}
        self.last_table = metric_rows(rows)
        print_log('results beside the no-video priors (same samples, same '
                  'metric settings):\n' + format_metric_table(self.last_table),
                  logger='current')

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._report(runner, runner.val_dataloader, runner.val_evaluator, metrics)

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._report(runner, runner.test_dataloader, runner.test_evaluator, metrics)
