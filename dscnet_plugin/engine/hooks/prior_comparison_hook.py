"""Print every evaluation result beside the no-video priors."""
import copy
import inspect
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch
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

    With ``shuffled_queries=True`` the model is evaluated once more with
    the queries of each batch rotated by one sample (every video paired with
    another sample's sentence): a model that reads the text loses accuracy
    there, one that only finds "something happening" does not.

    Args:
        train_annotation: Config of the training annotation reader, given to
            every prior whose constructor takes ``train_annotation``.
        priors: Prior type names or model configs; the row name is the type.
        name: Row name of the evaluated model (default: its class name, with
            ' (evaluated)' added when a prior row has the same name).
        shuffled_queries: Add the shuffled-query control row.
    """

    priority = 'LOW'

    def __init__(self, train_annotation: Optional[dict] = None,
                 priors: Sequence[Union[str, dict]] = (
                     'FrequencyPrior', 'MeanMomentPrior', 'PredictAllPrior',
                     'RandomPrior'),
                 name: Optional[str] = None, shuffled_queries: bool = False) -> None:
        self.train_annotation = train_annotation
        self.shuffled_queries = shuffled_queries
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
        if not metrics:
            return
        shuffled = None
        if self.shuffled_queries:  # every rank runs its shard; results are gathered
            shuffled = self.evaluate_shuffled(runner.model, dataloader, evaluator)
        if runner.rank != 0:
            return
        priors = self.compare(dataloader.dataset, _grounding_metric(evaluator))
        name = self.name or type(runner.model).__name__
        if name in priors:  # a prior evaluated as the model keeps its own row
            name += ' (evaluated)'
        rows = {name: metrics}
        if shuffled is not None:
            rows[f'{name} (queries shuffled)'] = shuffled
        rows.update(priors)
        self.last_table = metric_rows(rows)
        print_log('results beside the no-video priors (same samples, same '
                  'metric settings):\n' + format_metric_table(self.last_table),
                  logger='current')

    @staticmethod
    @torch.no_grad()
    def evaluate_shuffled(model, dataloader, evaluator) -> dict:
        """Metrics of ``model`` with each batch's queries rotated by one
        (gathered over the ranks like the evaluator's own results)."""
        metric = copy.deepcopy(_grounding_metric(evaluator))
        metric.results.clear()
        was_training = model.training
        model.eval()
        for batch in dataloader:
            inputs = batch['inputs']
            if isinstance(inputs, dict):
                inputs = {k: (v[1:] + v[:1] if k.startswith('query') and isinstance(v, list)
                              else torch.roll(v, 1, 0) if k.startswith('query') else v)
                          for k, v in inputs.items()}
            else:  # a list of per-sample dicts
                queries = [{k: v for k, v in x.items() if k.startswith('query')} for x in inputs]
                inputs = [{**x, **q} for x, q in zip(inputs, queries[1:] + queries[:1])]
            outputs = model.test_step(dict(batch, inputs=inputs))
            metric.process(None, [o.to_dict() for o in outputs])
        model.train(was_training)
        return metric.evaluate(len(dataloader.dataset))

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._report(runner, runner.val_dataloader, runner.val_evaluator, metrics)

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._report(runner, runner.test_dataloader, runner.test_evaluator, metrics)
