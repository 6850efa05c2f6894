"""Print every evaluation result beside the no-video priors."""
import copy
import inspect
import warnings
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dist import collect_results
from mmengine.hooks import Hook
from mmengine.logging import print_log
from torch.utils.data import DataLoader

from ...evaluation import GroundingRecall, MomentRetrievalMetric
from ...registry import HOOKS, MODELS
from ...utils import build_pinned
from ...visualization import format_metric_table, metric_rows
from .other_video_queries import OtherVideoQueryDataset, other_video_donors

#: Suffix of the control row's name.
CONTROL_SUFFIX = ' (other-video queries)'


def _grounding_metric(evaluator) -> GroundingRecall:
    for metric in getattr(evaluator, 'metrics', []):
        if isinstance(metric, GroundingRecall):
            return metric
    return GroundingRecall()


def _comparison_metrics(evaluator) -> List[Union[GroundingRecall, MomentRetrievalMetric]]:
    """The evaluator's metrics the priors and the control are reported with:
    its :class:`GroundingRecall` (a default one without) and its
    :class:`MomentRetrievalMetric`, if any (several windows per query)."""
    found = [m for m in getattr(evaluator, 'metrics', [])
             if isinstance(m, MomentRetrievalMetric)]
    return [_grounding_metric(evaluator)] + found[:1]


def _unwrap(model):
    return model.module if hasattr(model, 'module') else model


def curve_correlations(true: torch.Tensor, other: torch.Tensor,
                       mask: torch.Tensor) -> torch.Tensor:
    """Pearson correlation per sample of two frame-score curves over its
    real frames.

    Args:
        true: ``B x T`` scores with the true queries.
        other: ``B x T`` scores with the other-video queries.
        mask: ``B x T`` real frames.

    Returns:
        ``(B,)`` float64 correlations: 1 where the curves are equal on the
        real frames (also when constant), NaN where only one is constant.
    """
    m = mask.bool()
    a, b, w = true.double(), other.double(), m.double()
    n = w.sum(1).clamp(min=1)
    a = (a - (a * w).sum(1, keepdim=True) / n[:, None]) * w
    b = (b - (b * w).sum(1, keepdim=True) / n[:, None]) * w
    denom = ((a * a).sum(1) * (b * b).sum(1)).sqrt()
    corr = (a * b).sum(1) / denom.clamp(min=1e-300)
    corr = torch.where(denom > 0, corr, torch.full_like(corr, float('nan')))
    same = ((true.double() - other.double()).abs() * w).amax(1) <= 1e-12
    return torch.where(same, torch.ones_like(corr), corr)


@HOOKS.register_module()
class PriorComparisonHook(Hook):
    """After each validation / test epoch, evaluate no-video priors on the
    same samples with the same metric settings and log one table with the
    model's row and theirs.

    The priors only read each sample's duration and ground truth from the
    dataset, so the comparison costs no extra pass over the features.

    With ``other_video_queries=True`` the model is evaluated once more with
    every sample's query replaced by the query of a sample of *another*
    video (a derangement over videos drawn over the whole evaluation set,
    fixed by ``seed``; see :func:`other_video_donors`): a model that reads
    the text loses accuracy there, one that only finds "something
    happening" does not. The same pass measures the mean Pearson
    correlation of the model's frame-score curves (``mode='tensor'``,
    ``B x T``) with the true and with the other-video query over the real
    frames: 1.000 for a model that ignores the query. It is logged beside
    the table, kept in :attr:`last_curve_correlation` and in the control
    row (key ``curve_corr``).

    Args:
        train_annotation: Config of the training annotation reader, given to
            every prior whose constructor takes ``train_annotation``.
        priors: Prior type names or model configs; the row name is the type.
        name: Row name of the evaluated model (default: its class name, with
            ' (evaluated)' added when a prior row has the same name).
        other_video_queries: Add the control row ``'<name> (other-video
            queries)'``.
        seed: Seed of the donor draw.
        shuffled_queries: Deprecated alias of ``other_video_queries`` (the
            old in-batch rotation is gone).

    Attributes:
        last_table: ``{row: metrics}`` of the last report.
        last_curve_correlation: Mean curve correlation of the last control
            pass (``None``: no control, or a model whose ``'tensor'`` output
            is not ``B x T``).
        last_donors: ``(N,)`` donor sample of each sample in the last
            control pass.
    """

    priority = 'LOW'

    def __init__(self, train_annotation: Optional[dict] = None,
                 priors: Sequence[Union[str, dict]] = (
                     'FrequencyPrior', 'MeanMomentPrior', 'PredictAllPrior',
                     'RandomPrior'),
                 name: Optional[str] = None, other_video_queries: bool = False,
                 seed: int = 0, shuffled_queries: Optional[bool] = None) -> None:
        if shuffled_queries is not None:
            warnings.warn('PriorComparisonHook(shuffled_queries=...) is deprecated: it now '
                          'means other_video_queries=... (every query from another video)',
                          DeprecationWarning, stacklevel=2)
            other_video_queries = other_video_queries or bool(shuffled_queries)
        self.train_annotation = train_annotation
        self.other_video_queries = other_video_queries
        self.seed = int(seed)
        self.prior_cfgs = [dict(type=p) if isinstance(p, str) else dict(p) for p in priors]
        self.name = name
        self._priors = None
        self.last_table: Dict[str, dict] = {}
        self.last_curve_correlation: Optional[float] = None
        self.last_donors: Optional[np.ndarray] = None

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

    def compare(self, dataset, metric: Union[GroundingRecall, Sequence]) -> Dict[str, dict]:
        """Metrics of every prior on ``dataset``'s samples, with ``metric``
        (a :class:`GroundingRecall`, or a list of it and a
        :class:`MomentRetrievalMetric`, whose numbers are merged in)."""
        metrics = list(metric) if isinstance(metric, (list, tuple)) else [metric]
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        durations = np.array([float(x['duration']) for x in infos])
        gt = np.array([x['gt_moment'] for x in infos], dtype=np.float64) / durations[:, None]
        windows = [np.asarray(x.get('gt_windows', [x['gt_moment']]), np.float64).reshape(-1, 2)
                   / d for x, d in zip(infos, durations)]
        idx = np.array([x.get('sample_idx', i) for i, x in enumerate(infos)])
        out = {}
        for name, prior in self._build_priors().items():
            segments, scores = prior.predict_normalized(idx)
            valid = np.isfinite(scores)
            out[name] = {}
            for m in metrics:
                out[name].update(m.evaluate_ranked(segments, scores, valid, windows)
                                 if isinstance(m, MomentRetrievalMetric)
                                 else m.evaluate_arrays(segments, scores, valid, gt))
        return out

    def donors(self, dataset) -> np.ndarray:
        """``(N,)`` donor of each sample of ``dataset``: a sample of another
        video (``video_id`` of the data info), fixed by :attr:`seed`."""
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        missing = [i for i, x in enumerate(infos) if 'video_id' not in x]
        if missing:
            raise KeyError(f'the other-video-query control reads each sample\'s video_id; '
                           f'sample {missing[0]} of {type(dataset).__name__} has none')
        return other_video_donors([x['video_id'] for x in infos], self.seed)

    def _report(self, runner, dataloader, evaluator, metrics: Optional[dict]) -> None:
        if not metrics:
            return
        control = None
        if self.other_video_queries:  # every rank runs its shard; results are gathered
            control = self.evaluate_other_video(runner.model, dataloader, evaluator)
        if runner.rank != 0:
            return
        priors = self.compare(dataloader.dataset, _comparison_metrics(evaluator))
        name = self.name or type(_unwrap(runner.model)).__name__
        if name in priors:  # a prior evaluated as the model keeps its own row
            name += ' (evaluated)'
        rows = {name: metrics}
        if control is not None:
            rows[name + CONTROL_SUFFIX] = control
        rows.update(priors)
        self.last_table = metric_rows(rows)
        text = format_metric_table(self.last_table)
        if control is not None:
            corr = self.last_curve_correlation
            text += ('\nframe-score curves, true vs other-video query: mean Pearson '
                     'correlation ' + ('n/a (the model\'s tensor output is not B x T)'
                                       if corr is None else f'{corr:.3f}')
                     + ' (1.000: the query is ignored)')
        print_log('results beside the no-video priors (same samples, same '
                  'metric settings):\n' + text, logger='current')

    @torch.no_grad()
    def evaluate_other_video(self, model, dataloader, evaluator) -> dict:
        """Metrics of ``model`` with every query taken from another video,
        gathered over the ranks like the evaluator's own results; sets
        :attr:`last_curve_correlation` and :attr:`last_donors`.

        The control dataset wraps ``dataloader.dataset`` and is read with
        ``dataloader``'s own batch sampler and collate function, so each
        rank sees the samples of its shard.
        """
        dataset = dataloader.dataset
        self.last_donors = donors = self.donors(dataset)
        loader = DataLoader(OtherVideoQueryDataset(dataset, donors),
                            batch_sampler=dataloader.batch_sampler,
                            collate_fn=dataloader.collate_fn, num_workers=0)
        metrics = [copy.deepcopy(m) for m in _comparison_metrics(evaluator)]
        for metric in metrics:
            metric.results.clear()
        core = _unwrap(model)
        kept_ratios = getattr(core, 'score_ratios', None)  # the true queries' (diagnostics)
        was_training = model.training
        model.eval()
        corrs: List[float] = []
        curves_ok = True
        for batch in loader:
            true_inputs = batch.pop('true_inputs')
            outputs = model.test_step(batch)
            for metric in metrics:
                metric.process(None, [o.to_dict() for o in outputs])
            if curves_ok:
                other = core(**core.data_preprocessor(batch, False), mode='tensor')
                data = core.data_preprocessor(dict(batch, inputs=true_inputs), False)
                true = core(**data, mode='tensor')
                mask = data['inputs'].get('video_mask') if isinstance(data['inputs'], dict) \
                    else None
                curves_ok = (mask is not None and torch.is_tensor(true)
                             and true.shape == mask.shape == other.shape)
                if curves_ok:
                    corrs += curve_correlations(true, other, mask).cpu().tolist()
        model.train(was_training)
        if kept_ratios is not None:
            core.score_ratios = kept_ratios
        result = {}
        for metric in metrics:
            result.update(metric.evaluate(len(dataset)))
        self.last_curve_correlation = None
        gathered = collect_results(corrs if curves_ok else [], len(dataset), 'cpu')
        if gathered and curves_ok:
            values = np.asarray(gathered, dtype=np.float64)
            if np.isfinite(values).any():
                self.last_curve_correlation = float(np.nanmean(values))
        if self.last_curve_correlation is not None:
            result = dict(result, curve_corr=self.last_curve_correlation)
        return result

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._report(runner, runner.val_dataloader, runner.val_evaluator, metrics)

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._report(runner, runner.test_dataloader, runner.test_evaluator, metrics)
