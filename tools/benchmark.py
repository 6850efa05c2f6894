"""Benchmarks of DSCNet on simulated features of the real Charades-STA and
ActivityNet Captions videos: accuracy beside the no-video priors, the
ablations of the paper's Tables 2-4, and the speed of each stage.

The features are simulated from each real video's action timeline
(:mod:`dscnet_plugin.datasets.simulation`), with the knob ``text_relation``
at 0 (text and video unrelated) and at its default 0.7; annotations, splits
and metric settings are the real ones. One command writes the Markdown
report (hand-written text outside the ``<!-- benchmark:NAME:start/end -->``
markers survives a rerun) and a JSON with every number::

    python tools/benchmark.py --quick        # a smoke test: <= 10 min on 2 CPU cores
    python tools/benchmark.py                # the full run, about 1.5 h (see --list)
    python tools/benchmark.py --list         # the runs, their estimated times; no training
    python tools/benchmark.py --sections accuracy --reuse   # only new / changed runs
    python tools/benchmark.py --filter n-e-8  # retrain matching runs, keep the others' results

A quick run writes ``work_dirs/benchmark/benchmarks_quick.{md,json}`` unless
``--out-md`` / ``--out-json`` are given, so it never overwrites the full
run's ``docs/benchmarks.md``. Extra model rows of the accuracy table: add a
:class:`ModelSpec` to :data:`ACCURACY_MODELS`; extra ablation rows: an
:class:`Ablation` in :data:`ABLATIONS` (see :data:`EXTRA_ABLATIONS`).

Each training run is a child process (``--run-key KEY``) with one torch
thread, ``--jobs`` (2) at a time: on a shared CPU two OpenMP threads per
process mostly wait for each other. A run writes
``work_dirs/benchmark/runs/<key>/result.json``, whose signature (run spec,
config text, feature manifest) lets ``--reuse`` / ``--filter`` keep it.
"""
import argparse
import contextlib
import dataclasses
import datetime
import functools
import gc
import hashlib
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from dscnet_plugin.datasets import KumoGloveVectors
from dscnet_plugin.datasets.simulation import simulate_activitynet, simulate_charades
from dscnet_plugin.datasets.simulation.simulate import sta_video_ids
from dscnet_plugin.engine.hooks.evaluation_recorder_hook import EvaluationRecorder
from dscnet_plugin.engine.hooks.prior_comparison_hook import CONTROL_SUFFIX, PriorComparisonHook
from dscnet_plugin.evaluation import GroundingRecall
from dscnet_plugin.registry import DATASETS
from dscnet_plugin.utils import (atomic_text, build_pinned, cpu_model, merge_cli_options,
                                 register_all_modules, set_quiet, walk_dicts)
from dscnet_plugin.visualization.metric_table import METRIC_KEYS

REPO = Path(__file__).resolve().parents[1]
#: Real annotations, relative to the repository root (short relative paths
#: keep mmengine's config formatting fast).
DATA_ROOT = '../shared/data'
BENCH_DIR = 'work_dirs/benchmark'
PRIORS = ('FrequencyPrior', 'MeanMomentPrior', 'PredictAllPrior', 'RandomPrior')
SECTIONS = ('accuracy', 'ablations', 'speed')
DEFAULT_KNOB = 0.7


# ----------------------------------------------------------------- specs
@dataclass(frozen=True)
class ModelSpec:
    """One model row of the accuracy table.

    Attributes:
        name: Row name.
        config: Config path relative to the repository root; ``{dataset}``
            is replaced by ``charades`` / ``activitynet``.
        cfg_options: ``--cfg-options`` style overrides (dotted keys).
    """

    name: str
    config: str
    cfg_options: Mapping[str, Any] = field(default_factory=dict)


#: The model rows of the accuracy table, in display order. Add a row with one
#: line, e.g. ``ModelSpec('DSCNet + linker', 'configs/benchmarks/linker_{dataset}.py')``;
#: the features, data subset and schedule of the plan are applied to it.
ACCURACY_MODELS: List[ModelSpec] = [
    ModelSpec('DSCNet', 'configs/dscnet_{dataset}.py'),
    ModelSpec('DSCNet (centre labels)', 'configs/dscnet_{dataset}_centre_labels.py'),
]


@dataclass(frozen=True)
class DatasetSpec:
    """A benchmark dataset.

    Attributes:
        name: ``charades`` or ``activitynet`` (also the ``{dataset}`` of
            :attr:`ModelSpec.config`).
        title: Display name.
        prior_config: A baseline config (annotations, evaluator).
        splits: Evaluated splits: the validation split of the training run
            first, then (if any) the test split run after training.
        feature_dim: ``D`` of the simulated features.
    """

    name: str
    title: str
    prior_config: str
    splits: Tuple[str, ...]
    feature_dim: int = 500


DATASETS_SPECS: Dict[str, DatasetSpec] = {
    'charades': DatasetSpec('charades', 'Charades-STA',
                            'configs/baselines/freqprior_charades-sta.py', ('test',)),
    'activitynet': DatasetSpec('activitynet', 'ActivityNet Captions',
                               'configs/baselines/freqprior_activitynet.py',
                               ('val_1', 'val_2')),
}
#: Annotation key of each split in the dataset configs.
SPLIT_ANNOTATION = {'test': 'test_annotation', 'val_1': 'val_annotation',
                    'val_2': 'test_annotation'}


@dataclass(frozen=True)
class Scale:
    """How much data a run reads, how long it trains, and (quick runs) how
    small the model is.

    Attributes:
        train_videos: Training videos (``None``: all).
        test_videos: Videos of each evaluated split (``None``: all).
        language_epochs: Epochs of the language module (``None``: the config's).
        iterations: ``L`` (``None``: the config's).
        num_frames: ``T`` of the resampled features and the label bank
            (``None``: the config's, 128 / 256).
        cfg_options: Further overrides (smaller widths), as ``(key, value)`` pairs.
    """

    train_videos: Optional[int] = None
    test_videos: Optional[int] = None
    language_epochs: Optional[int] = None
    iterations: Optional[int] = None
    num_frames: Optional[int] = None
    cfg_options: Tuple[Tuple[str, Any], ...] = ()

    @property
    def data_tag(self) -> str:
        """Name of the data subset (``all`` for the full splits)."""
        if self.train_videos is None and self.test_videos is None:
            return 'all'
        return f'tr{self.train_videos or "all"}_te{self.test_videos or "all"}'

    def describe(self) -> str:
        """Human-readable summary (for the report)."""
        videos = ('all training videos' if self.train_videos is None
                  else f'{self.train_videos} training videos')
        tests = ('all evaluation queries' if self.test_videos is None
                 else f'the queries of {self.test_videos} evaluation videos per split')
        changes = []
        if self.language_epochs is not None:
            changes.append(f'{self.language_epochs} language epochs')
        if self.iterations is not None:
            changes.append(f'L = {self.iterations}')
        if self.num_frames is not None:
            changes.append(f'T = {self.num_frames}')
        changes += [f'{k} = {v}' for k, v in self.cfg_options]
        return ', '.join([videos, tests] + (changes or ['paper schedule and model']))


@dataclass(frozen=True)
class Ablation:
    """One row of the ablation tables.

    Attributes:
        table: Group title (paper table).
        name: Row name.
        cfg_options: Overrides of the reference DSCNet config.
        paper: Key of :data:`PAPER_NUMBERS` (``None``: no paper row).
        iterations: ``L`` of the row; rows of the iteration group are read
            from one run with the largest ``L`` (evaluated after each
            iteration; the schedule has no learning-rate decay, so a run
            with fewer iterations is that run stopped early).
    """

    table: str
    name: str
    cfg_options: Mapping[str, Any] = field(default_factory=dict)
    paper: Optional[str] = None
    iterations: Optional[int] = None


# Paper numbers (Liu et al., AAAI 2022; real C3D features, Charades-STA unless
# stated). Columns R1@0.3 R1@0.5 R1@0.7 R5@0.3 R5@0.5 R5@0.7 (None: not given).
_PAPER_COLUMNS = ('R1@0.3', 'R1@0.5', 'R1@0.7', 'R5@0.3', 'R5@0.5', 'R5@0.7')
_PAPER_ROWS = {
    # Table 1, DSCNet (US); ActivityNet gives R1/R5 at IoU 0.3 and 0.5 only.
    'table1/charades': (44.15, 28.73, 14.67, 91.48, 70.68, 35.19),
    'table1/activitynet': (47.29, 28.16, None, 72.51, 57.24, None),
    # Table 2 (the paper adds losses to a baseline; each of our rows removes
    # terms from the full model, the paper row with the same set of losses).
    'table2/full': (44.15, 28.73, 14.67, 91.48, 70.68, 35.19),
    'table2/no_sab': (40.23, 25.32, 12.11, 86.83, 65.74, 30.45),  # +L_w+L_trip+L_cls
    'table2/no_trip': (41.97, 26.01, 12.39, 87.61, 67.33, 32.60),  # +L_w+L_sab+L_cls
    'table2/no_sab_trip': (36.78, 23.14, 10.65, 82.98, 60.29, 26.31),  # +L_w
    'table2/no_mse_sab_trip': (33.54, 20.07, 9.09, 80.16, 55.41, 23.72),  # +L_dqa
    'table2/baseline': (28.38, 16.12, 7.86, 76.18, 48.65, 20.21),  # L_cel + L_cls
    # Table 3 (R1@0.3, R1@0.5, R5@0.3, R5@0.5 only).
    'table3/random': (23.79, 11.24, None, 73.61, 42.58, None),
    'table3/sample': (39.67, 23.96, None, 86.13, 66.49, None),
    'table3/center': (44.15, 28.73, None, 91.48, 70.68, None),
    # Table 4 (R1@0.3, R1@0.5, R5@0.3, R5@0.5 only).
    'table4/necks2': (33.06, 19.70, None, 79.39, 53.53, None),
    'table4/necks4': (44.15, 28.73, None, 91.48, 70.68, None),
    'table4/necks8': (40.90, 25.03, None, 87.56, 65.40, None),
    'table4/iter1': (29.38, 15.61, None, 81.13, 60.08, None),
    'table4/iter3': (39.98, 24.87, None, 88.09, 66.77, None),
    'table4/iter5': (44.15, 28.73, None, 91.48, 70.68, None),
    'table4/iter7': (44.06, 28.39, None, 91.82, 70.41, None),
}
PAPER_NUMBERS: Dict[str, Dict[str, float]] = {
    key: {k: v for k, v in zip(_PAPER_COLUMNS, row) if v is not None}
    for key, row in _PAPER_ROWS.items()}

_LOSS = 'model.{side}_losses.{name}.loss_weight'


def _drop(*terms: Tuple[str, str]) -> Dict[str, float]:
    """cfg-options setting the weight of each ``(side, name)`` loss to 0."""
    return {_LOSS.format(side=side, name=name): 0.0 for side, name in terms}


MSE, DQA = ('language', 'mse'), ('language', 'dqa')
SAB, TRIP = ('video', 'sab'), ('video', 'trip')
T2, T3 = 'Table 2: losses', 'Table 3: centre selection'
T4N, T4L = 'Table 4: neck number N_e', 'Table 4: iterations L'

#: Every ablation row of the full run (the quick run keeps a subset).
ABLATIONS: List[Ablation] = [
    Ablation(T2, 'all losses (reference)', {}, 'table2/full'),
    Ablation(T2, '- L_mse (alpha_w = 0)', _drop(MSE)),
    Ablation(T2, '- L_dqa (beta_w = 0)', _drop(DQA)),
    Ablation(T2, '- L_sab (alpha_v = 0)', _drop(SAB), 'table2/no_sab'),
    Ablation(T2, '- L_trip (beta_v = 0)', _drop(TRIP), 'table2/no_trip'),
    Ablation(T3, 'cluster center (reference)', {}, 'table3/center'),
    Ablation(T3, 'cluster sample', {'model.clusterer.center_mode': 'sample'}, 'table3/sample'),
    Ablation(T3, 'random', {'model.clusterer.center_mode': 'random'}, 'table3/random'),
    Ablation(T4N, 'N_e = 2', {'model.text_encoder.num_necks': 2}, 'table4/necks2'),
    Ablation(T4N, 'N_e = 4 (reference)', {}, 'table4/necks4'),
    Ablation(T4N, 'N_e = 8', {'model.text_encoder.num_necks': 8}, 'table4/necks8'),
]


def iteration_rows(values: Sequence[int], reference: int = 5) -> List[Ablation]:
    """The rows of the iteration group (Table 4), ``L`` in ``values``."""
    return [Ablation(T4L, f'L = {n}' + (' (reference)' if n == reference else ''), {},
                     f'table4/iter{n}' if f'table4/iter{n}' in PAPER_NUMBERS else None,
                     iterations=n) for n in values]


ABLATIONS += iteration_rows((1, 3, 5, 7))
#: Further rows with paper numbers (the paper's additive rows of Table 2), left
#: out of the full run for time (about 8 min each); add them to ABLATIONS to run.
EXTRA_ABLATIONS: List[Ablation] = [
    Ablation(T2, '- L_sab - L_trip', _drop(SAB, TRIP), 'table2/no_sab_trip'),
    Ablation(T2, '- L_mse - L_sab - L_trip', _drop(MSE, SAB, TRIP), 'table2/no_mse_sab_trip'),
    Ablation(T2, 'baseline: L_cel + L_cls only', _drop(MSE, DQA, SAB, TRIP), 'table2/baseline'),
]
#: Rows the quick run keeps besides its iteration rows (one of each kind).
QUICK_ABLATIONS = ('all losses (reference)', '- L_dqa (beta_w = 0)', '- L_sab (alpha_v = 0)',
                   'cluster center (reference)', 'random', 'N_e = 2', 'N_e = 4 (reference)')
#: Smaller widths of the quick runs (T is reduced separately).
QUICK_MODEL = (('model.text_encoder.hidden_dim', 128), ('model.video_encoder.embed_dim', 128),
               ('model.specific_head.joint_dim', 256))


@dataclass(frozen=True)
class Plan:
    """Everything a benchmark run does.

    Attributes:
        mode: ``quick`` or ``full``.
        knobs: ``text_relation`` values of the accuracy table.
        accuracy: Scale of the accuracy runs, per dataset.
        ablation: Scale of the ablation runs (Charades-STA, default knob).
        ablations: Ablation rows.
        stage_scales: ``--scale`` of ``tools/analysis/stage_speed.py`` per dataset.
        relabel_small: ``--small`` for ``tools/analysis/relabel_speed.py``.
        paper_schedule: Extra accuracy rows ``<model> (paper schedule)`` at
            these scales, per dataset (``--paper-schedule``).
        seeds: ``randomness.seed`` of the runs: every accuracy and ablation
            row is trained once per seed and shown as mean ± std.
    """

    mode: str
    knobs: Tuple[float, ...]
    accuracy: Mapping[str, Scale]
    ablation: Scale
    ablations: Tuple[Ablation, ...]
    stage_scales: Mapping[str, float]
    relabel_small: bool
    paper_schedule: Mapping[str, Scale] = field(default_factory=dict)
    seeds: Tuple[int, ...] = (0,)


#: Seeds of each row: the full plan reports mean ± std over 3, the quick one runs 1.
FULL_SEEDS, QUICK_SEEDS = (0, 1, 2), (0,)

#: Suffix of the accuracy rows trained with the paper's schedule on all videos.
PAPER_SCHEDULE = ' (paper schedule)'


def make_plan(quick: bool, cuda: bool = False, paper_schedule: bool = False,
              seeds: Optional[Sequence[int]] = None) -> Plan:
    """The quick or the full plan (see the module docstring and ``--list``).

    Args:
        quick: The quick plan (<= 10 min on 2 CPU cores, a smoke test).
        cuda: Whether a GPU runs the speed scripts.
        paper_schedule: Add Charades-STA rows trained on all videos with the
            paper's schedule (L = 5, 10 language epochs; hours on a CPU).
        seeds: Seeds of every row (default :data:`FULL_SEEDS`, quick
            :data:`QUICK_SEEDS`).
    """
    seeds = tuple(dict.fromkeys(int(x) for x in seeds)) if seeds else (
        QUICK_SEEDS if quick else FULL_SEEDS)
    if quick:
        charades = Scale(200, 50, language_epochs=2, iterations=2, num_frames=64,
                         cfg_options=QUICK_MODEL)
        return Plan(
            mode='quick', knobs=(0.0, DEFAULT_KNOB),
            accuracy={'charades': charades,
                      'activitynet': dataclasses.replace(charades, train_videos=100,
                                                         test_videos=30)},
            ablation=charades,
            ablations=tuple([a for a in ABLATIONS if a.name in QUICK_ABLATIONS]
                            + iteration_rows((1, 2, 3), reference=2)),
            stage_scales={'charades': 0.003, 'activitynet': 0.003}, relabel_small=not cuda,
            seeds=seeds)
    return Plan(
        mode='full', knobs=(0.0, DEFAULT_KNOB),
        accuracy={'charades': Scale(600, None, iterations=3),
                  'activitynet': Scale(150, 150, iterations=3)},
        ablation=Scale(400, 400, iterations=3),
        ablations=tuple(ABLATIONS),
        stage_scales={'charades': 0.25, 'activitynet': 0.02}, relabel_small=not cuda,
        paper_schedule={'charades': Scale()} if paper_schedule else {}, seeds=seeds)


# ------------------------------------------------------------------ runs
@dataclass(frozen=True)
class Run:
    """One training + evaluation of a model config.

    Attributes:
        name: Model name (row name of the prior table).
        dataset: Key of :data:`DATASETS_SPECS`.
        knob: ``text_relation`` of the features.
        config: Config path (``{dataset}`` filled in).
        cfg_options: Overrides.
        scale: Data subset and schedule.
        other_video_queries: Also evaluate with every query taken from
            another video (``PriorComparisonHook``'s control row).
        eval_each_iteration: Validate after every iteration ``L``.
        iterations: ``L`` (overrides :attr:`Scale.iterations`).
        seed: ``randomness.seed`` (``deterministic=True``).
    """

    name: str
    dataset: str
    knob: float
    config: str
    cfg_options: Tuple[Tuple[str, Any], ...] = ()
    scale: Scale = Scale()
    other_video_queries: bool = False
    eval_each_iteration: bool = False
    iterations: Optional[int] = None
    seed: int = 0

    @property
    def key(self) -> str:
        """Short unique id (folder name): readable prefix + digest."""
        spec = json.dumps(dataclasses.asdict(self), sort_keys=True, default=str)
        digest = hashlib.sha1(spec.encode()).hexdigest()[:8]
        slug = re.sub(r'[^A-Za-z0-9]+', '-', self.name).strip('-').lower()
        return f'{self.dataset}_k{self.knob:g}_{self.scale.data_tag}_{slug}_s{self.seed}_{digest}'


def with_seeds(run: Run, seeds: Sequence[int]) -> List[Run]:
    """``run`` once per seed."""
    return [dataclasses.replace(run, seed=s) for s in seeds]


def accuracy_runs(plan: Plan, models: Sequence[ModelSpec]) -> Dict[Tuple[str, float, str], Run]:
    """``{(dataset, knob, row label): Run}`` of the accuracy table: every
    model at the plan's scale, then (``plan.paper_schedule``) at the paper's;
    each run with the plan's first seed (:func:`with_seeds` gives the others)."""
    runs = {}
    for dataset, scale in plan.accuracy.items():
        scales = [('', scale)] + ([(PAPER_SCHEDULE, plan.paper_schedule[dataset])]
                                  if dataset in plan.paper_schedule else [])
        for knob in plan.knobs:
            for suffix, row_scale in scales:
                for spec in models:
                    runs[dataset, knob, spec.name + suffix] = Run(
                        spec.name, dataset, knob, spec.config.format(dataset=dataset),
                        tuple(sorted(spec.cfg_options.items())), row_scale,
                        other_video_queries=True, seed=plan.seeds[0])
    return runs


def ablation_run(plan: Plan, ablation: Ablation) -> Run:
    """The run an ablation row reads (iteration rows share the largest ``L``)."""
    iterations = None
    if ablation.iterations is not None:
        iterations = max(a.iterations for a in plan.ablations if a.iterations is not None)
    reference = not ablation.cfg_options and iterations is None
    name = 'DSCNet' if not ablation.cfg_options else f'DSCNet {ablation.name}'
    # the reference is the accuracy table's DSCNet run when the scales agree
    return Run(name, 'charades', DEFAULT_KNOB, 'configs/dscnet_charades.py',
               tuple(sorted(ablation.cfg_options.items())), plan.ablation,
               other_video_queries=reference, eval_each_iteration=iterations is not None,
               iterations=iterations, seed=plan.seeds[0])


def ablation_runs(plan: Plan) -> Dict[str, Run]:
    """``{ablation name: Run}`` (rows with the same run share it)."""
    return {a.name: ablation_run(plan, a) for a in plan.ablations}


def unique_runs(runs: Sequence[Run]) -> List[Run]:
    """``runs`` without repeats, in first-seen order."""
    return list({r.key: r for r in runs}.values())


# ------------------------------------------------------------------ data
def pick(ids: Sequence[str], n: Optional[int], seed: int = 0) -> List[str]:
    """``n`` of ``ids`` drawn without replacement (all when ``n`` is None),
    in their original order."""
    if n is None or n >= len(ids):
        return list(ids)
    chosen = np.random.default_rng(seed).choice(len(ids), n, replace=False)
    return [ids[i] for i in sorted(chosen)]


def _link(target: str, link: str) -> None:
    """Symlink ``link`` -> absolute ``target`` (kept when present)."""
    if not osp.lexists(link):
        os.symlink(osp.abspath(target), link)


def write_charades_subset(src: str, dst: str, train: Optional[int], test: Optional[int]) -> None:
    """Charades-STA annotation files of a subset of the videos (the
    Charades timelines and durations are linked)."""
    os.makedirs(osp.join(dst, 'charades_sta'), exist_ok=True)
    _link(osp.join(src, 'charades'), osp.join(dst, 'charades'))
    for split, n in (('train', train), ('test', test)):
        path = osp.join(src, 'charades_sta', f'charades_sta_{split}.txt')
        keep = set(pick(sta_video_ids(path), n))
        with open(path, encoding='utf-8') as f:
            lines = [line for line in f if line.strip() and line.split(None, 1)[0] in keep]
        atomic_text(osp.join(dst, 'charades_sta', f'charades_sta_{split}.txt'), ''.join(lines))


def write_activitynet_subset(src: str, dst: str, train: Optional[int],
                             val: Optional[int]) -> None:
    """ActivityNet Captions files of a subset: ``train`` training videos and
    ``val`` videos of val_2 (val_1 keeps the same videos where it has them)."""
    folder = osp.join(dst, 'activitynet_captions')
    os.makedirs(folder, exist_ok=True)
    raw = {}
    for split in ('train', 'val_1', 'val_2'):
        with open(osp.join(src, 'activitynet_captions', f'{split}.json'), encoding='utf-8') as f:
            raw[split] = json.load(f)
    keep = {'train': set(pick(list(raw['train']), train))}
    keep['val_1'] = keep['val_2'] = set(pick(list(raw['val_2']), val))
    for split, items in raw.items():
        subset = {vid: v for vid, v in items.items() if vid in keep[split]}
        atomic_text(osp.join(folder, f'{split}.json'), json.dumps(subset))


def data_root_for(dataset: str, scale: Scale) -> str:
    """The data root of ``scale``'s subset (written once), relative to the
    repository root; the real data root for the full splits."""
    if scale.data_tag == 'all':
        return DATA_ROOT
    root = osp.join(BENCH_DIR, 'data', f'{dataset}_{scale.data_tag}')
    done = osp.join(root, '.complete')
    if not osp.isfile(done):
        write = write_charades_subset if dataset == 'charades' else write_activitynet_subset
        write(DATA_ROOT, root, scale.train_videos, scale.test_videos)
        atomic_text(done, 'ok\n')
    return root


@functools.lru_cache(maxsize=None)
def word_vectors() -> KumoGloveVectors:
    """The GloVe vectors of the simulated concepts (loaded once)."""
    return KumoGloveVectors()


def features_path(dataset: str, knob: float, scale: Scale) -> str:
    """Where the simulated features of a dataset subset and knob live."""
    dim = DATASETS_SPECS[dataset].feature_dim
    return osp.join(BENCH_DIR, 'features', f'{dataset}_d{dim}_k{knob:g}_{scale.data_tag}.hdf5')


@functools.lru_cache(maxsize=None)
def features_for(dataset: str, knob: float, scale: Scale, data_root: str) -> str:
    """Simulated features of every video of ``data_root`` (kept on disk: the
    simulator keeps an output whose manifest matches; checked once per process)."""
    simulate = simulate_charades if dataset == 'charades' else simulate_activitynet
    return simulate(data_root, features_path(dataset, knob, scale), word_vectors(),
                    text_relation=knob, feature_dim=DATASETS_SPECS[dataset].feature_dim)


# --------------------------------------------------------------- configs
def use_features(cfg: Config, path: str, feature_dim: int) -> None:
    """Point every video feature reader of ``cfg`` at ``path`` (relative to
    the working directory) and set the model's input width."""
    readers = [d for d in walk_dicts(cfg._cfg_dict)
               if d.get('type') in ('VideoFeatures', 'HDF5Features', 'ArrayDirFeatures')]
    if not readers:
        raise ValueError(f'{cfg.filename}: no video feature reader to point at {path}')
    for reader in readers:
        reader.update(path=path, data_root=None, feature_dim=feature_dim)
    cfg.feature_dim = feature_dim
    if 'in_dim' in cfg.model.get('video_encoder', {}):
        cfg.model.video_encoder.in_dim = feature_dim


def hook_of(cfg: Config, type_name: str) -> Optional[dict]:
    """The ``custom_hooks`` entry of ``type_name`` (``None`` if absent)."""
    found = [h for h in cfg.get('custom_hooks', []) if h.get('type') == type_name]
    return found[0] if found else None


def required_hook(cfg: Config, type_name: str) -> dict:
    """The ``custom_hooks`` entry of ``type_name``; a clear error if absent."""
    hook = hook_of(cfg, type_name)
    if hook is None:
        raise ValueError(f'{cfg.filename}: the benchmark plan sets the schedule through '
                         f'custom_hooks entry {type_name!r}, which this config lacks')
    return hook


def set_num_frames(cfg: Config, num_frames: int) -> None:
    """``T`` of every ``ResampleFeatures`` and of the model's label bank."""
    for d in walk_dicts(cfg._cfg_dict):
        if d.get('type') == 'ResampleFeatures':
            d['num_frames'] = num_frames
    cfg.num_frames = cfg.model.num_frames = num_frames


def apply_scale(cfg: Config, scale: Scale, iterations: Optional[int]) -> None:
    """Language epochs, ``L`` (``iterations`` wins), ``T`` and the further
    overrides of ``scale``."""
    if scale.cfg_options:
        cfg.merge_from_dict(dict(scale.cfg_options))
    if scale.num_frames is not None:
        set_num_frames(cfg, scale.num_frames)
    if scale.language_epochs is not None:
        required_hook(cfg, 'SemanticClusteringHook')['epochs'] = scale.language_epochs
    iterations = iterations or scale.iterations
    if iterations is not None:
        required_hook(cfg, 'IterativeRelabelHook')['iterations'] = iterations


def set_comparison(cfg: Config, name: str, train_annotation: dict, control: bool) -> None:
    """The prior comparison hook: row ``name``, other-video-query row on request."""
    hook = hook_of(cfg, 'PriorComparisonHook')
    if hook is None:
        hook = dict(type='PriorComparisonHook', train_annotation=train_annotation)
        cfg.custom_hooks.append(hook)
    hook.pop('shuffled_queries', None)  # the deprecated alias
    hook.update(name=name, other_video_queries=control)


def validate_each_iteration(cfg: Config) -> None:
    """Validate after every ``N_e x epochs_per_stage`` epochs (one ``L``)."""
    per_stage = required_hook(cfg, 'IterativeRelabelHook').get('epochs_per_stage', 1)
    cfg.train_cfg.val_interval = cfg.model.text_encoder.num_necks * per_stage


def load_config(config: str, cfg_options: Mapping[str, Any], data_root: str) -> Config:
    """``config`` with ``cfg_options`` merged and ``data_root`` propagated."""
    cfg = Config.fromfile(config)
    return merge_cli_options(cfg, {**dict(cfg_options), 'data_root': data_root})


def build_run_config(run: Run, data_root: str, features: str, work_dir: str) -> Config:
    """The full config of ``run``."""
    cfg = load_config(run.config, dict(run.cfg_options), data_root)
    use_features(cfg, features, DATASETS_SPECS[run.dataset].feature_dim)
    apply_scale(cfg, run.scale, run.iterations)
    set_comparison(cfg, run.name, cfg.train_annotation, run.other_video_queries)
    cfg.randomness = dict(seed=run.seed, deterministic=True)
    if run.eval_each_iteration:
        validate_each_iteration(cfg)
    # features read in the main process: the runs already keep the cores busy,
    # and persistent workers take seconds to shut down after each run
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    # one checkpoint, at the end: the benchmark needs the numbers only
    cfg.default_hooks.checkpoint.update(interval=10**6, max_keep_ckpts=1, save_last=True)
    cfg.default_hooks.logger.interval = 50
    cfg.work_dir = work_dir
    cfg.experiment_name = osp.basename(work_dir)  # the Runner appends a timestamp
    return cfg


# ------------------------------------------------------------- executing
@contextlib.contextmanager
def isolated(log_path: str) -> Iterator[None]:
    """Send the console output of a run to ``log_path`` and restore the
    default scopes afterwards."""
    saved_scopes = DefaultScope._instance_dict.copy()
    os.makedirs(osp.dirname(log_path), exist_ok=True)
    with open(log_path, 'a', encoding='utf-8') as log, \
            contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        try:
            yield
        finally:
            DefaultScope._instance_dict.clear()
            DefaultScope._instance_dict.update(saved_scopes)


def close_logger(name: str) -> None:
    """Close and remove the handlers of the mmengine logger ``name``."""
    if not MMLogger.check_instance_created(name):
        return
    logger = MMLogger.get_instance(name)
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


def train_and_evaluate(cfg: Config, test_after: bool) -> List[Dict[str, Any]]:
    """Train ``cfg`` (validation at the end, or as configured), then test
    when ``test_after``; returns the recorded evaluations."""
    recorder = EvaluationRecorder()
    runner = Runner.from_cfg(cfg)
    try:
        runner.register_hook(recorder)
        runner.train()
        if test_after:
            runner.test()
    finally:
        close_logger(runner.experiment_name)
        del runner
        gc.collect()
    return recorder.evaluations


def split_tables(run: Run, evaluations: List[Dict[str, Any]]) -> Dict[str, Dict[str, dict]]:
    """``{split: table}``: the last validation is the first split of the
    dataset, the last test (if any) the second."""
    splits = DATASETS_SPECS[run.dataset].splits
    out = {}
    for split, mode in zip(splits, ('val', 'test')):
        found = [e for e in evaluations if e['mode'] == mode]
        if found:
            out[split] = found[-1]['table'] or {run.name: found[-1]['metrics']}
    return out


def iteration_metrics(evaluations: List[Dict[str, Any]], necks: int,
                      per_stage: int) -> Dict[int, dict]:
    """``{L: metrics}`` of the validations done after each iteration."""
    stage = necks * per_stage
    return {e['epoch'] // stage: e['metrics'] for e in evaluations
            if e['mode'] == 'val' and e['epoch'] % stage == 0}


def run_signature(run: Run, features: str) -> str:
    """Digest of the run and of what it reads (config text, features)."""
    with open(run.config, 'rb') as f:
        config = f.read()
    with open(features + '.json', 'rb') as f:
        manifest = f.read()
    payload = json.dumps(dataclasses.asdict(run), sort_keys=True, default=str).encode()
    return hashlib.sha1(payload + config + manifest).hexdigest()


def prepare_inputs(run: Run) -> Tuple[str, str]:
    """``(data root, features)`` of ``run``, written when missing."""
    data_root = data_root_for(run.dataset, run.scale)
    return data_root, features_for(run.dataset, run.knob, run.scale, data_root)


def work_dir_of(run: Run) -> str:
    """The folder of ``run``'s logs, checkpoint and ``result.json``."""
    return osp.join(BENCH_DIR, 'runs', run.key)


def cached_result(run: Run, signature: str) -> Optional[Dict[str, Any]]:
    """The earlier result of ``run`` if its signature still matches."""
    path = osp.join(work_dir_of(run), 'result.json')
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        old = json.load(f)
    return dict(old, reused=True) if old.get('signature') == signature else None


def execute(run: Run, reuse: bool = False) -> Dict[str, Any]:
    """Train and evaluate ``run`` in this process and write its
    ``result.json`` (or return the earlier one when ``reuse`` and nothing
    changed)."""
    data_root, features = prepare_inputs(run)
    signature = run_signature(run, features)
    cached = cached_result(run, signature) if reuse else None
    if cached is not None:
        return cached
    work_dir = work_dir_of(run)
    cfg = build_run_config(run, data_root, features, work_dir)
    necks = int(cfg.model.text_encoder.num_necks)
    per_stage = int(required_hook(cfg, 'IterativeRelabelHook').get('epochs_per_stage', 1))
    start, cpu_start = time.perf_counter(), time.process_time()
    with isolated(osp.join(work_dir, 'console.log')):
        evaluations = train_and_evaluate(cfg, len(DATASETS_SPECS[run.dataset].splits) > 1)
    result = dict(run=dataclasses.asdict(run), key=run.key, signature=signature,
                  data_root=data_root, features=features, threads=torch.get_num_threads(),
                  train_eval_s=time.perf_counter() - start,
                  train_eval_cpu_s=time.process_time() - cpu_start,
                  tables=split_tables(run, evaluations),
                  iterations=iteration_metrics(evaluations, necks, per_stage)
                  if run.eval_each_iteration else {},
                  evaluations=evaluations, reused=False)
    atomic_text(osp.join(work_dir, 'result.json'), json.dumps(result, indent=1, default=str))
    return result


@dataclass(frozen=True)
class Options:
    """How the runs are executed (from the command line).

    Attributes:
        quick: The quick plan.
        reuse: Keep results whose signature did not change.
        run_filter: Only runs whose key matches this regex.
        jobs: Runs trained at the same time (one child process each).
        threads: Torch threads per run.
    """

    quick: bool = False
    reuse: bool = False
    run_filter: Optional[str] = None
    jobs: int = 2
    threads: int = 1


@dataclass(frozen=True)
class CostModel:
    """Seconds per unit of work of one run with one torch thread, measured
    on the 2-core benchmark machine (AMD EPYC) at the paper's model widths,
    T = ``frames``, D = 500 (for planning only: see :func:`estimate_seconds`).

    Attributes:
        frames: ``T`` the costs were measured at.
        video: One training video through one video-module epoch.
        relabel: One training video relabelled for one neck (N_c cuts).
        language: One training query through one language epoch.
        test: One evaluation query, one pass.
        fixed: Start-up, clustering, initial labels, checkpoint.
        videos: Training videos of the full split.
        train_queries: Training queries per video.
        test_queries: Evaluation queries per video, per split.
        necks: ``N_e`` of the dataset config.
        iterations: ``L`` of the dataset config.
        language_epochs: Language epochs of the dataset config.
    """

    frames: int
    video: float
    relabel: float
    language: float
    test: float
    fixed: float
    videos: int
    train_queries: float
    test_queries: float
    necks: int
    iterations: int = 5
    language_epochs: int = 10


#: Measured on this repository's 2-core machine, one run per core (see the report).
COSTS = {
    'charades': CostModel(frames=128, video=0.047, relabel=0.030, language=0.005, test=0.017,
                          fixed=40, videos=5338, train_queries=2.32, test_queries=2.79,
                          necks=4),
    'activitynet': CostModel(frames=256, video=0.083, relabel=0.118, language=0.0074,
                             test=0.05, fixed=60, videos=10009, train_queries=3.74,
                             test_queries=3.5, necks=8),
}


def estimate_seconds(run: Run) -> float:
    """Rough wall time of ``run`` on the benchmark machine (one thread;
    relabelling scaled by ``T^2``, the rest by ``T``; smaller widths ignored)."""
    c, scale = COSTS[run.dataset], run.scale
    videos = scale.train_videos or c.videos
    necks = dict(run.cfg_options).get('model.text_encoder.num_necks', c.necks)
    iterations = run.iterations or scale.iterations or c.iterations
    t = (scale.num_frames or c.frames) / c.frames
    splits = len(DATASETS_SPECS[run.dataset].splits)
    test_videos = scale.test_videos or {'charades': 1334, 'activitynet': 4885}[run.dataset]
    evaluations = (iterations if run.eval_each_iteration else 1) * splits
    passes = evaluations + (2 * splits if run.other_video_queries else 0)  # + true curves
    return (c.fixed + videos * necks * iterations * (c.video * t + c.relabel * t * t)
            + videos * c.train_queries * c.language * (scale.language_epochs or c.language_epochs)
            + test_videos * c.test_queries * c.test * t * passes)


def run_cost(run: Run) -> float:
    """The order in which runs start: longest first."""
    return estimate_seconds(run)


def child_command(run: Run, options: Options) -> List[str]:
    """The command that executes ``run`` in a child process."""
    return [sys.executable, str(REPO / 'tools' / 'benchmark.py'), '--run-key', run.key,
            '--threads', str(options.threads), '--seeds', str(run.seed)] + (
                ['--quick'] if options.quick else [])


def read_child_result(run: Run, returncode: int, log_path: str) -> Dict[str, Any]:
    """The result a child wrote, or an error record naming its log."""
    path = osp.join(work_dir_of(run), 'result.json')
    if returncode == 0 and osp.isfile(path):
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    return dict(key=run.key, error=f'exit code {returncode}, see {log_path}', tables={},
                iterations={}, reused=False)


def run_children(runs: Sequence[Run], options: Options) -> Dict[str, Dict[str, Any]]:
    """Execute ``runs`` in child processes, ``options.jobs`` at a time,
    longest first; returns ``{key: result}``."""
    pending = sorted(runs, key=run_cost, reverse=True)
    active: Dict[str, Tuple[Run, subprocess.Popen, float, str]] = {}
    out = {}
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO), os.environ.get('PYTHONPATH', '')]))
    while pending or active:
        while pending and len(active) < max(1, options.jobs):
            run = pending.pop(0)
            os.makedirs(work_dir_of(run), exist_ok=True)
            log_path = osp.join(work_dir_of(run), 'child.log')
            with open(log_path, 'w', encoding='utf-8') as log_file:
                proc = subprocess.Popen(child_command(run, options), cwd=REPO, env=env,
                                        stdout=log_file, stderr=subprocess.STDOUT)
            active[run.key] = (run, proc, time.perf_counter(), log_path)
        time.sleep(0.5)
        for key, (run, proc, start, log_path) in list(active.items()):
            if proc.poll() is None:
                continue
            del active[key]
            out[key] = read_child_result(run, proc.returncode, log_path)
            log(f'{key}: {summary(run, out[key])} ({time.perf_counter() - start:.0f} s)')
    return out


def summary(run: Run, result: Mapping[str, Any]) -> str:
    """One line about a finished run."""
    if 'error' in result:
        return 'FAILED: ' + result['error']
    return ', '.join(f'{split} R1@0.5 {fmt(table.get(run.name, {}).get("R1@0.5"))}'
                     for split, table in result['tables'].items()) or 'no evaluation'


# ---------------------------------------------------------------- priors
def grounding_samples(annotation: dict) -> Any:
    """The test samples of ``annotation`` (no features needed)."""
    return build_pinned(DATASETS, dict(type='GroundingDataset', annotation=annotation,
                                       pipeline=[dict(type='PackGroundingInputs')],
                                       test_mode=True))


def prior_metrics(train_annotation: dict, samples: Any,
                  evaluator: Mapping[str, Any]) -> Dict[str, dict]:
    """``{prior: metrics}`` of the four priors (fitted on
    ``train_annotation``) on ``samples``, with the ``GroundingRecall``
    settings of ``evaluator``."""
    metric = GroundingRecall(**{k: v for k, v in evaluator.items() if k != 'type'})
    hook = PriorComparisonHook(train_annotation=train_annotation, priors=PRIORS)
    return hook.compare(samples, metric)


def evaluate_priors(dataset: str, data_root: str, split: str) -> Dict[str, Any]:
    """The four priors on ``split`` (metric settings of the dataset config)
    and the number of queries."""
    cfg = load_config(DATASETS_SPECS[dataset].prior_config, {}, data_root)
    samples = grounding_samples(cfg[SPLIT_ANNOTATION[split]])
    return dict(priors=prior_metrics(cfg.train_annotation, samples, cfg.test_evaluator),
                queries=len(samples))


def prior_tables(plan: Plan) -> Dict[str, Dict[str, Dict[str, Any]]]:
    """``{dataset: {split: {'priors': {prior: metrics}, 'queries': n}}}`` on
    the accuracy subsets."""
    out = {}
    for dataset, scale in plan.accuracy.items():
        root = data_root_for(dataset, scale)
        with isolated(osp.join(BENCH_DIR, plan.mode, 'priors.log')):
            out[dataset] = {split: evaluate_priors(dataset, root, split)
                            for split in DATASETS_SPECS[dataset].splits}
    return out


# ----------------------------------------------------------------- speed
def run_script(args: Sequence[str], out_json: str, timeout: float,
               threads: Optional[int] = None) -> Dict[str, Any]:
    """Run a speed script (``python SCRIPT ARGS --out out_json``, with
    ``threads`` OpenMP threads) and read its JSON; a missing script or a
    failure is reported, not raised."""
    script = args[0]
    if not osp.isfile(script):
        return dict(error=f'{script} not found (not written yet?)')
    start = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO), os.environ.get('PYTHONPATH', '')]))
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    try:
        proc = subprocess.run([sys.executable, *args, '--out', out_json], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return dict(error=f'{script} timed out after {timeout:.0f} s')
    wall = time.perf_counter() - start
    if proc.returncode != 0 or not osp.isfile(out_json):
        tail = (proc.stdout + proc.stderr)[-1500:]
        return dict(error=f'{script} exited with {proc.returncode}', output_tail=tail)
    with open(out_json, encoding='utf-8') as f:
        return dict(json.load(f), script_wall_s=wall)


def recorded_gpu(path: str = 'docs/results/relabel_speed_h100.json') -> Dict[str, Any]:
    """The relabel numbers recorded earlier on a GPU, with their source and
    date (the commit that added the file)."""
    if not osp.isfile(path):
        return dict(error=f'{path} not found')
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    try:
        date = subprocess.run(['git', 'log', '-1', '--format=%ad', '--date=short', '--', path],
                              cwd=REPO, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        date = ''
    return dict(data, source=path, date=date or 'unknown')


def stage_speed(plan: Plan, out_dir: str, threads: int, timeout: float) -> Dict[str, Any]:
    """``stage_speed.py`` of each dataset at its scale, merged into one dict
    (``datasets``: per dataset; errors per dataset)."""
    merged: Dict[str, Any] = dict(datasets={}, args={})
    for dataset, scale in plan.stage_scales.items():
        args = ['tools/analysis/stage_speed.py', '--dataset', dataset, '--scale', f'{scale:g}']
        result = run_script(args, osp.join(out_dir, f'stage_speed_{dataset}.json'), timeout,
                            threads)
        merged['args'][dataset] = ' '.join(args[1:])
        if 'error' in result:
            merged.setdefault('errors', {})[dataset] = result
        merged['datasets'].update(result.get('datasets', {}))
    return merged


def measure_speed(plan: Plan, out_dir: str, threads: int) -> Dict[str, Any]:
    """Per-stage speed / memory and relabel speed of this machine (with the
    runs' thread count), plus the recorded GPU numbers."""
    relabel = ['tools/analysis/relabel_speed.py'] + (['--small'] if plan.relabel_small else [])
    timeout = 300 if plan.mode == 'quick' else 3600
    os.makedirs(out_dir, exist_ok=True)
    return dict(stage=stage_speed(plan, out_dir, threads, timeout),
                relabel=run_script(relabel, osp.join(out_dir, 'relabel_speed.json'), timeout,
                                   threads),
                gpu_record=recorded_gpu(), cuda=torch.cuda.is_available(), threads=threads,
                relabel_args=relabel[1:])


# ------------------------------------------------------------- rendering
def fmt(value: Any) -> str:
    """A table cell: 2 decimals (3 significant digits below 1) for floats,
    '–' for missing."""
    if isinstance(value, float):
        return f'{value:.2f}' if value == 0 or abs(value) >= 1 else f'{value:.3g}'
    return '–' if value is None else str(value)


def md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(fmt(c) for c in row) + ' |' for row in rows]
    return '\n'.join(lines)


def metric_cells(metrics: Optional[Mapping[str, Any]],
                 keys: Sequence[str] = METRIC_KEYS) -> List[Any]:
    """The metric values of ``keys`` (``None`` where missing); ``'mean ± std'``
    where :func:`mean_std` gave a spread over seeds."""
    m = metrics or {}
    return [f'{fmt(m[k])} ± {fmt(m[k + STD])}' if m.get(k) is not None and k + STD in m
            else m.get(k) for k in keys]


#: Suffix of the sample standard deviation over seeds of a metric key.
STD = '_std'
#: The numbers averaged over seeds.
SEED_KEYS = METRIC_KEYS + ('curve_corr',)


def mean_std(per_seed: Sequence[Optional[Mapping[str, Any]]]) -> Optional[Dict[str, Any]]:
    """One metric dict from those of several seeds: the mean of each of
    :data:`SEED_KEYS`, its sample standard deviation under ``<key>_std``
    (two seeds or more), ``seeds`` the number of seeds that had the row;
    ``None`` when none had it."""
    found = [m for m in per_seed if m]
    if not found:
        return None
    out = dict(found[0], seeds=len(found))
    for k in SEED_KEYS:
        values = [m.get(k) for m in found]
        if all(isinstance(v, (int, float)) for v in values):
            out[k] = float(np.mean(values))
            if len(values) > 1:
                out[k + STD] = float(np.std(values, ddof=1))
    return out


def seed_tables(per_seed: Sequence[Mapping[str, Mapping[str, Any]]]) -> Dict[str, Dict[str, Any]]:
    """``{split: {row: mean_std}}`` from the ``{split: {row: metrics}}`` of each seed."""
    splits = dict.fromkeys(split for tables in per_seed for split in tables)
    return {split: {row: mean_std([t.get(split, {}).get(row) for t in per_seed])
                    for row in dict.fromkeys(r for t in per_seed for r in t.get(split, {}))}
            for split in splits}


def accuracy_rows(results: Mapping[str, Any], priors: Mapping[str, Any], dataset: str,
                  split: str, knobs: Sequence[float], labels: Sequence[str]) -> List[list]:
    """Rows of one split: each model row at each knob (and its other-video-query
    control), then the priors (no video: the same at every knob), then the
    paper's DSCNet."""
    rows = []
    for knob in knobs:
        for label in labels:
            entry = results.get(f'{dataset}|{knob:g}|{label}', {})
            table = entry.get('tables', {}).get(split, {})
            name = entry.get('name', label)
            rows.append([label, f'{knob:g}', *metric_cells(table.get(name))])
            control = table.get(name + CONTROL_SUFFIX)
            if control:
                rows.append([label + CONTROL_SUFFIX, f'{knob:g}', *metric_cells(control)])
    measured = priors.get(dataset, {}).get(split, {}).get('priors', {})
    for prior in PRIORS:
        rows.append([prior, 'any', *metric_cells(measured.get(prior))])
    paper = PAPER_NUMBERS.get(f'table1/{dataset}')
    rows.append(['DSCNet, paper Table 1 (real C3D)', '–', *metric_cells(paper)])
    return rows


def curve_note(results: Mapping[str, Any], dataset: str, split: str, knobs: Sequence[float],
               labels: Sequence[str]) -> str:
    """The curve correlation of each control row of a split (one line)."""
    cells = []
    for knob in knobs:
        for label in labels:
            entry = results.get(f'{dataset}|{knob:g}|{label}', {})
            name = entry.get('name', label)
            control = entry.get('tables', {}).get(split, {}).get(name + CONTROL_SUFFIX) or {}
            if isinstance(control.get('curve_corr'), float):
                value = f'{control["curve_corr"]:.3f}' + (
                    f' ± {control["curve_corr" + STD]:.3f}' if 'curve_corr' + STD in control
                    else '')
                cells.append(f'{label}, knob {knob:g}: {value}')
    return ('Frame-score curves with the true vs the other-video query, mean Pearson '
            'correlation over the queries (1.000: the query is ignored): '
            + '; '.join(cells) + '.') if cells else ''


def render_accuracy(data: Mapping[str, Any]) -> str:
    """The accuracy section from its JSON part."""
    seeds = data.get('seeds', [0])
    parts = [f'Each model row: mean ± sample std over seeds {", ".join(map(str, seeds))} '
             '(`randomness=dict(seed=s, deterministic=True)`).\n'] if len(seeds) > 1 else []
    for dataset, splits in data['splits'].items():
        spec = DATASETS_SPECS[dataset]
        for split in splits:
            queries = data['priors'].get(dataset, {}).get(split, {}).get('queries', '?')
            parts.append(f'**{spec.title}, {split}**, {queries} queries '
                         f'({data["scales"][dataset]}):\n')
            parts.append(md_table(['method', 'knob', *METRIC_KEYS], accuracy_rows(
                data['results'], data['priors'], dataset, split, data['knobs'],
                data['labels'][dataset])))
            corr = curve_note(data['results'], dataset, split, data['knobs'],
                              data['labels'][dataset])
            if corr:
                parts.append('\n' + corr)
            if dataset in data.get('paper_scales', {}):
                parts.append(f'\n"{PAPER_SCHEDULE.strip(" ()")}" rows: '
                             f'{data["paper_scales"][dataset]}.')
            parts.append('')
    return '\n'.join(parts)


def ablation_rows(rows: Sequence[Mapping[str, Any]], table: str) -> List[list]:
    """Rows of one ablation group: ours, then the paper's where it has them."""
    out = []
    for row in rows:
        if row['table'] != table:
            continue
        paper = PAPER_NUMBERS.get(row['paper']) if row['paper'] else None
        out.append([row['name'], *metric_cells(row['metrics']),
                    *metric_cells(paper, _PAPER_COLUMNS[:2] + _PAPER_COLUMNS[3:5])])
    return out


def render_ablations(data: Mapping[str, Any]) -> str:
    """The ablation section from its JSON part."""
    header = ['setting', *METRIC_KEYS, 'paper R1@0.3', 'paper R1@0.5', 'paper R5@0.3',
              'paper R5@0.5']
    parts = [f'Simulated Charades-STA, knob {DEFAULT_KNOB:g}, {data["scale"]}. '
             'Paper numbers: Liu et al. (2022), real C3D features; "–": not in the '
             'paper. Table 2 of the paper adds losses to a baseline; each row here '
             'removes terms from the full model and shows the paper row with the same '
             'set of losses. The iteration rows are read from one run with the largest '
             'L, evaluated after each iteration.'
             + (f' Ours: mean ± sample std over seeds {", ".join(map(str, data["seeds"]))}.'
                if len(data.get('seeds', [])) > 1 else '') + '\n']
    for table in dict.fromkeys(r['table'] for r in data['rows']):
        parts += [f'**{table}**\n', md_table(header, ablation_rows(data['rows'], table)), '']
    return '\n'.join(parts)


def stage_rows(stage: Mapping[str, Any]) -> List[list]:
    """Rows ``dataset, stage, time, peak RSS, peak delta, extrapolated time``."""
    rows = []
    for dataset, result in stage.get('datasets', {}).items():
        extra = result.get('extrapolated_full_scale', {})
        for name, r in result.get('stages', {}).items():
            rows.append([dataset, name, r.get('time_s'), r.get('peak_rss_mb'),
                         r.get('peak_rss_delta_mb'), r.get('cuda_peak_mb'),
                         extra.get(name, {}).get('time_s')])
    return rows


def relabel_rows(record: Mapping[str, Any]) -> List[list]:
    """Key numbers of a ``relabel_speed.py`` JSON, one per row."""
    keys = ('device', 'torch', 'videos', 'dim', 'relabel_one_neck_s', 'relabel_4_necks_s',
            'eigh_s', 'power_s', 'graphs_compared', 'eigh_over_power', 'cut_agreement',
            'eigh_extrapolated_all_graphs_s', 'video_epoch_bs16_s', 'video_epoch_bs64_s',
            'video_epoch_bs256_s')
    return [[k, record[k]] for k in keys if k in record]


def render_error(name: str, result: Mapping[str, Any]) -> str:
    """A note that a speed script gave no numbers."""
    tail = result.get('output_tail')
    return f'_{name}: {result["error"]}_' + (f'\n\n```\n{tail}\n```' if tail else '')


def render_speed(data: Mapping[str, Any]) -> str:
    """The speed section from its JSON part."""
    stage, threads = data['stage'], data.get('threads')
    calls = '; '.join(f'`tools/analysis/stage_speed.py {a}`' for a in stage['args'].values())
    parts = [f'**Per stage** ({calls}' + (f', OMP_NUM_THREADS={threads}' if threads else '')
             + '; random inputs of the real sizes x scale; memory in MB; the last column '
             'scales the measured time linearly to the full dataset):\n']
    parts += [render_error(f'stage_speed {d}', e) + '\n'
              for d, e in stage.get('errors', {}).items()]
    if stage['datasets']:
        parts.append(md_table(['dataset', 'stage', 'time (s)', 'peak RSS', 'peak RSS delta',
                               'CUDA peak', 'time at full scale (s, extrapolated)'],
                              stage_rows(stage)))
    relabel = data['relabel']
    parts += ['', f'**Relabelling vs batched eigh, this machine** '
              f'(`tools/analysis/relabel_speed.py {" ".join(data["relabel_args"])}`):\n']
    parts.append(render_error('relabel_speed', relabel) if 'error' in relabel
                 else md_table(['quantity', 'value'], relabel_rows(relabel)))
    gpu = data['gpu_record']
    parts += ['', '**GPU (recorded earlier on one H100)**' + (
        f' — `{gpu["source"]}`, committed {gpu["date"]}:\n' if 'error' not in gpu else ':\n')]
    parts.append(render_error('GPU record', gpu) if 'error' in gpu
                 else md_table(['quantity', 'value'], relabel_rows(gpu)))
    if not data['cuda']:
        parts += ['', '_This run had no GPU (`torch.cuda.is_available()` is false): every '
                  'number above except the recorded H100 table is from the CPU._']
    return '\n'.join(parts)


def render_run_info(info: Mapping[str, Any]) -> str:
    """Command, machine, date, wall times and the reduced settings."""
    lines = [f'- **{info["mode"]} run**, {info["date"]}: `{info["command"]}`',
             f'- machine: {info["cpu"]}, {info["cores"]} cores; torch {info["torch"]}; '
             f'CUDA: {"yes" if info["cuda"] else "no"}',
             '- wall time: ' + ', '.join(f'{k} {v / 60:.1f} min'
                                         for k, v in info['wall_s'].items())]
    lines += [f'- {note}' for note in info['settings']]
    lines += [f'- **FAILED** (see `{BENCH_DIR}/runs/{key}/`): `{key}`'
              for key in info.get('failed', [])]
    return '\n'.join(lines)


# ------------------------------------------------------------- markdown
MARKER = '<!-- benchmark:{name}:{end} -->'
MD_TEMPLATE = """# Benchmarks

Generated by `python tools/benchmark.py` (the tables between the
`<!-- benchmark:... -->` markers are rewritten by each run; everything else
in this file is hand-written and kept).

{run}

## The simulated features (generative model)

_To be written (hand-written section): how `dscnet_plugin/datasets/simulation`
generates the features and what the knob `text_relation` means._

## Accuracy: DSCNet beside the no-video priors

Simulated features of the real videos at knob 0 (text and video unrelated) and
0.7 (default); real annotations, splits and metric settings (IoU >= t, ends
clipped to the duration, NMS 0.5). "other-video queries": every test query
replaced by the query of a sample of another video (a derangement over videos,
fixed by a seed) at test time; the line under each table gives the mean Pearson
correlation of the frame-score curves with the true and with the other-video query
(1.000: the query is ignored).

{accuracy}

## Ablations (paper Tables 2-4)

{ablations}

### Discussion

_TO BE WRITTEN after the run (hand-written): which trends of the paper's
Tables 2-4 the simulation reproduces and which it does not, and why._

## Speed

{speed}
"""


def marked(name: str, content: str) -> str:
    """``content`` between the start and end markers of ``name``."""
    return (f'{MARKER.format(name=name, end="start")}\n{content.strip()}\n'
            f'{MARKER.format(name=name, end="end")}')


def replace_marked(text: str, name: str, content: str) -> str:
    """``text`` with the part between the markers of ``name`` replaced
    (the markers and everything outside them kept); the section is
    appended at the end when the markers are missing."""
    start, end = (MARKER.format(name=name, end=e) for e in ('start', 'end'))
    pattern = re.compile(re.escape(start) + r'.*?' + re.escape(end), re.S)
    if not pattern.search(text):
        return text.rstrip('\n') + '\n\n' + marked(name, content) + '\n'
    return pattern.sub(lambda _: marked(name, content), text, count=1)


def new_markdown() -> str:
    """The report template with empty marked sections."""
    placeholder = '_Not run yet._'
    return MD_TEMPLATE.format(**{name: marked(name, placeholder)
                                 for name in ('run', *SECTIONS)})


def update_markdown(path: str, sections: Mapping[str, str]) -> None:
    """Rewrite the marked ``sections`` of ``path`` (created from the
    template when missing); the rest of the file is kept."""
    text = Path(path).read_text(encoding='utf-8') if osp.isfile(path) else new_markdown()
    for name, content in sections.items():
        text = replace_marked(text, name, content)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    atomic_text(path, text)


# --------------------------------------------------------------- machine
def machine_info() -> Dict[str, Any]:
    """CPU, core count, torch version, CUDA, date."""
    return dict(cpu=cpu_model(), cores=os.cpu_count(), torch=torch.__version__,
                cuda=torch.cuda.is_available(),
                date=datetime.datetime.now().astimezone().isoformat(timespec='seconds'))


def settings_notes(plan: Plan, options: Options) -> List[str]:
    """What the plan reduced, and how the runs were executed."""
    notes = [f'accuracy, {DATASETS_SPECS[d].title}: {s.describe()}'
             for d, s in plan.accuracy.items()]
    notes.append(f'ablations (Charades-STA, knob {DEFAULT_KNOB:g}): {plan.ablation.describe()}; '
                 f'{len(plan.ablations)} rows')
    notes.append('features: simulated, D = 500 for both datasets (the paper: C3D, '
                 '4096-d Charades-STA, 500-d PCA ActivityNet)')
    notes += [f'accuracy, {DATASETS_SPECS[d].title}, "{PAPER_SCHEDULE.strip(" ()")}" rows: '
              f'{s.describe()}' for d, s in plan.paper_schedule.items()]
    notes.append('speed: ' + ', '.join(f'stage_speed --dataset {d} --scale {x:g}'
                                       for d, x in plan.stage_scales.items())
                 + ('; relabel_speed --small' if plan.relabel_small else ''))
    notes.append(f'seeds: {", ".join(map(str, plan.seeds))} per row '
                 '(randomness deterministic=True; tables: mean ± sample std)')
    notes.append(f'execution: {options.jobs} runs at a time, {options.threads} torch '
                 'thread(s) each' + (f'; runs matching {options.run_filter!r} only'
                                     if options.run_filter else ''))
    return notes


# ------------------------------------------------------------- sections
def log(message: str) -> None:
    """A progress line of the tool (flushed)."""
    print(f'[benchmark {time.strftime("%H:%M:%S")}] {message}', flush=True)


#: Results of the runs done by this process (a run shared by two sections runs once).
_DONE: Dict[str, Dict[str, Any]] = {}


def execute_all(runs: Sequence[Run], options: Options) -> Dict[str, Dict[str, Any]]:
    """Execute each distinct run once and return ``{run key: result}``.

    Runs outside ``options.run_filter`` are not trained: their earlier result
    is shown when it is still valid (so a filtered rerun keeps the other
    rows); with ``options.reuse`` every still-valid result is kept.
    """
    todo = []
    for run in unique_runs(runs):
        if run.key in _DONE:
            continue
        selected = not options.run_filter or re.search(options.run_filter, run.key)
        _, features = (prepare_inputs(run) if selected
                       else (None, features_path(run.dataset, run.knob, run.scale)))
        cached = None
        if not selected or options.reuse:
            cached = (cached_result(run, run_signature(run, features))
                      if osp.isfile(features + '.json') else None)
        if cached is not None:
            _DONE[run.key] = cached
            log(f'{run.key}: earlier result kept ({summary(run, cached)})')
        elif selected:
            todo.append(run)
    _DONE.update(run_children(todo, options))
    return {r.key: _DONE[r.key] for r in unique_runs(runs) if r.key in _DONE}


def accuracy_section(plan: Plan, options: Options) -> Dict[str, Any]:
    """Train / evaluate the accuracy runs and the priors; the JSON part."""
    runs = {label: with_seeds(r, plan.seeds)
            for label, r in accuracy_runs(plan, ACCURACY_MODELS).items()}
    done = execute_all([r for seeded in runs.values() for r in seeded], options)
    results = {}
    for (d, k, label), seeded in runs.items():
        ran = [r for r in seeded if r.key in done]
        if ran:  # the tables: mean ± std over the seeds; per_seed: each seed's
            per_seed = {r.seed: done[r.key].get('tables', {}) for r in ran}
            results[f'{d}|{k:g}|{label}'] = dict(
                name=ran[0].name, key=ran[0].key, keys={r.seed: r.key for r in ran},
                tables=seed_tables(list(per_seed.values())), per_seed=per_seed)
    labels = {d: list(dict.fromkeys(label for (dd, _, label) in runs if dd == d))
              for d in plan.accuracy}
    return dict(knobs=list(plan.knobs), labels=labels, seeds=list(plan.seeds),
                splits={d: list(DATASETS_SPECS[d].splits) for d in plan.accuracy},
                scales={d: s.describe() for d, s in plan.accuracy.items()},
                paper_scales={d: s.describe() for d, s in plan.paper_schedule.items()},
                priors=prior_tables(plan), results=results,
                runs={k: _strip(v) for k, v in done.items()})


def ablation_metrics(ablation: Ablation, run: Run, result: Mapping[str, Any]) -> Optional[dict]:
    """The metrics of an ablation row from its run's result."""
    if ablation.iterations is not None:
        its = {int(k): v for k, v in result.get('iterations', {}).items()}
        return its.get(ablation.iterations)
    return result.get('tables', {}).get('test', {}).get(run.name)


def ablation_section(plan: Plan, options: Options) -> Dict[str, Any]:
    """Train / evaluate the ablation runs; the JSON part."""
    runs = {name: with_seeds(r, plan.seeds) for name, r in ablation_runs(plan).items()}
    done = execute_all([r for seeded in runs.values() for r in seeded], options)
    rows = []
    for a in plan.ablations:
        per_seed = {r.seed: ablation_metrics(a, r, done[r.key])
                    for r in runs[a.name] if r.key in done}
        rows.append(dict(table=a.table, name=a.name, paper=a.paper, run=runs[a.name][0].key,
                         keys={r.seed: r.key for r in runs[a.name]},
                         metrics=mean_std(list(per_seed.values())), per_seed=per_seed))
    return dict(scale=plan.ablation.describe(), seeds=list(plan.seeds), rows=rows,
                paper=PAPER_NUMBERS, runs={k: _strip(v) for k, v in done.items()})


def _strip(result: Mapping[str, Any]) -> Dict[str, Any]:
    """A run result without its raw evaluation list (kept in its folder)."""
    return {k: v for k, v in result.items() if k != 'evaluations'}


RENDERERS: Dict[str, Callable[[Mapping[str, Any]], str]] = {
    'accuracy': render_accuracy, 'ablations': render_ablations, 'speed': render_speed}


def run_sections(plan: Plan, sections: Sequence[str],
                 options: Options) -> Tuple[Dict[str, Any], Dict[str, float]]:
    """Run the chosen sections; returns their JSON parts and wall times."""
    data, wall = {}, {}
    for section in sections:
        start = time.perf_counter()
        log(f'section {section} ({plan.mode})')
        if section == 'accuracy':
            data[section] = accuracy_section(plan, options)
        elif section == 'ablations':
            data[section] = ablation_section(plan, options)
        else:
            data[section] = measure_speed(plan, osp.join(BENCH_DIR, plan.mode),
                                          options.threads)
        wall[section] = time.perf_counter() - start
        data[section]['wall_s'] = wall[section]
    return data, wall


def write_outputs(md_path: str, json_path: str, info: Dict[str, Any],
                  data: Mapping[str, Any]) -> None:
    """Merge ``data`` into the JSON (other sections kept) and rewrite the
    marked sections of the Markdown."""
    old = {}
    if osp.isfile(json_path):
        with open(json_path, encoding='utf-8') as f:
            old = json.load(f)
    merged = dict(old, **data, run=info)
    os.makedirs(osp.dirname(osp.abspath(json_path)), exist_ok=True)
    atomic_text(json_path, json.dumps(merged, indent=1, default=str))
    label = '' if info['mode'] == 'full' else (
        f'_({info["mode"]} run: reduced data, schedule and model — a smoke test of the '
        'pipeline, not results; settings at the top)_\n\n')
    sections = {name: label + RENDERERS[name](part) for name, part in data.items()}
    sections['run'] = render_run_info(info)
    update_markdown(md_path, sections)


# ------------------------------------------------------------------- CLI
def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='a smoke test with reduced data, schedule and model: '
                        '<= 10 min on 2 CPU cores')
    parser.add_argument('--out-md', help='Markdown report (default: docs/benchmarks.md, '
                        'quick: work_dirs/benchmark/benchmarks_quick.md)')
    parser.add_argument('--out-json', help='JSON of every number (default: '
                        'docs/results/benchmarks.json, quick: work_dirs/benchmark/'
                        'benchmarks_quick.json)')
    parser.add_argument('--sections', nargs='+', choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument('--reuse', action='store_true',
                        help='keep the result of a run whose config, options and '
                        'features did not change')
    parser.add_argument('--filter', help='train only the runs whose key matches this regex '
                        '(see --list); the others show their earlier results when valid')
    parser.add_argument('--list', action='store_true',
                        help='print the runs with their estimated times and exit')
    parser.add_argument('--paper-schedule', action='store_true',
                        help='full run: add Charades-STA rows trained on all videos with the '
                        "paper's schedule (about 2.5 h per run on 2 CPU cores)")
    parser.add_argument('--jobs', type=int, default=2,
                        help='runs trained at the same time, one process each (default 2)')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads per run (default 1: the models are small, and '
                        'on a busy machine more threads only wait for each other)')
    parser.add_argument('--seeds', type=int, nargs='+',
                        help='seeds of every row, reported as mean ± std (default: '
                        f'{" ".join(map(str, FULL_SEEDS))}; --quick: '
                        f'{" ".join(map(str, QUICK_SEEDS))})')
    parser.add_argument('--run-key', help='execute only this run of the plan (see --list) and '
                        'write its result.json; no report')
    return parser.parse_args(argv)


def find_run(plan: Plan, key: str) -> Run:
    """The run of ``plan`` whose key is ``key``."""
    runs = {r.key: r for r in all_runs(plan)}
    if key not in runs:
        raise KeyError(f'no run {key!r} in the {plan.mode} plan; see --list')
    return runs[key]


def output_paths(args: argparse.Namespace) -> Tuple[str, str]:
    """Absolute Markdown and JSON paths (quick runs default under work_dirs)."""
    if args.quick:
        md, js = f'{BENCH_DIR}/benchmarks_quick.md', f'{BENCH_DIR}/benchmarks_quick.json'
    else:
        md, js = 'docs/benchmarks.md', 'docs/results/benchmarks.json'
    md = osp.abspath(args.out_md) if args.out_md else str(REPO / md)
    js = osp.abspath(args.out_json) if args.out_json else str(REPO / js)
    return md, js


def all_runs(plan: Plan) -> List[Run]:
    """Every distinct run of the plan (accuracy, then ablations)."""
    return unique_runs([s for r in list(accuracy_runs(plan, ACCURACY_MODELS).values())
                        + list(ablation_runs(plan).values()) for s in with_seeds(r, plan.seeds)])


def list_runs(plan: Plan, jobs: int) -> List[str]:
    """One line per distinct run of the plan, with its estimated time,
    and the estimated total."""
    runs = all_runs(plan)
    lines = [f'{estimate_seconds(r) / 60:6.1f} min  {r.key}  {r.config} {dict(r.cfg_options)} '
             f'L={r.iterations or r.scale.iterations or "config"}' for r in runs]
    total = sum(estimate_seconds(r) for r in runs)
    lines.append(f'{total / 60:6.1f} min of runs in all; about {total / 60 / max(1, jobs):.0f} '
                 f'min with {jobs} at a time, plus the speed section (rough estimates)')
    return lines


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    md_path, json_path = output_paths(args)
    os.chdir(REPO)  # the configs' and the plan's paths are relative to it
    plan = make_plan(args.quick, torch.cuda.is_available(), args.paper_schedule, args.seeds)
    if args.list:
        print('\n'.join(list_runs(plan, args.jobs)))
        return
    register_all_modules(init_default_scope=False)
    set_quiet(True)
    torch.set_num_threads(args.threads)
    if args.run_key:  # a child of run_children (any run of the plan, paper schedule included)
        lookup = make_plan(args.quick, torch.cuda.is_available(), paper_schedule=True,
                           seeds=args.seeds)
        result = execute(find_run(lookup, args.run_key), args.reuse)
        log(f'{args.run_key}: {result["train_eval_s"]:.0f} s, tables in '
            f'{osp.join(BENCH_DIR, "runs", args.run_key, "result.json")}')
        return
    start = time.perf_counter()
    options = Options(args.quick, args.reuse, args.filter, args.jobs, args.threads)
    data, wall = run_sections(plan, args.sections, options)
    wall['total'] = time.perf_counter() - start
    command = 'python tools/benchmark.py ' + ' '.join(sys.argv[1:] if argv is None else argv)
    failed = sorted(k for k, r in _DONE.items() if 'error' in r)
    info = dict(machine_info(), mode=plan.mode, command=command.strip(), wall_s=wall,
                settings=settings_notes(plan, options), failed=failed)
    write_outputs(md_path, json_path, info, data)
    log(f'wrote {md_path} and {json_path} in {wall["total"] / 60:.1f} min')


if __name__ == '__main__':
    main()
