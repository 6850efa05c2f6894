"""The no-video priors of the accuracy table, fitted on the training
annotation of each data subset and evaluated on its splits."""
import os.path as osp
from typing import Any, Dict, Mapping, Sequence

from ..engine.hooks.prior_comparison_hook import PriorComparisonHook
from ..evaluation import GroundingRecall
from ..registry import DATASETS
from ..utils import build_pinned
from .execution import isolated
from .inputs import data_root_for
from .locations import BENCH_DIR
from .plan import Plan
from .run_config import load_config
from .specs import DATASETS_SPECS, MODELS, SPLIT_ANNOTATION, ModelSpec, prior_names


def grounding_samples(annotation: dict) -> Any:
    """The test samples of ``annotation`` (no features needed)."""
    return build_pinned(DATASETS, dict(type='GroundingDataset', annotation=annotation,
                                       pipeline=[dict(type='PackGroundingInputs')],
                                       test_mode=True))


def prior_metrics(train_annotation: dict, samples: Any, evaluator: Mapping[str, Any],
                  priors: Sequence[str]) -> Dict[str, dict]:
    """``{prior: metrics}`` of ``priors`` (registered model types, fitted
    on ``train_annotation``) on ``samples``, with the ``GroundingRecall``
    settings of ``evaluator``."""
    metric = GroundingRecall(**{k: v for k, v in evaluator.items() if k != 'type'})
    hook = PriorComparisonHook(train_annotation=train_annotation, priors=tuple(priors))
    return hook.compare(samples, metric)


def evaluate_priors(dataset: str, data_root: str, split: str,
                    priors: Sequence[str]) -> Dict[str, Any]:
    """``priors`` on ``split`` (metric settings of the dataset config) and
    the number of queries."""
    cfg = load_config(DATASETS_SPECS[dataset].prior_config, {}, data_root)
    samples = grounding_samples(cfg[SPLIT_ANNOTATION[split]])
    return dict(priors=prior_metrics(cfg.train_annotation, samples, cfg.test_evaluator, priors),
                queries=len(samples))


def prior_tables(plan: Plan, models: Sequence[ModelSpec] = MODELS
                 ) -> Dict[str, Dict[str, Dict[str, Any]]]:
    """``{dataset: {split: {'priors': {prior: metrics}, 'queries': n}}}``
    of the priors of ``models`` on the accuracy subsets."""
    priors = prior_names(list(models))
    out = {}
    for dataset, scale in plan.accuracy.items():
        root = data_root_for(dataset, scale)
        with isolated(osp.join(BENCH_DIR, plan.mode, 'priors.log')):
            out[dataset] = {split: evaluate_priors(dataset, root, split, priors)
                            for split in DATASETS_SPECS[dataset].splits}
    return out
