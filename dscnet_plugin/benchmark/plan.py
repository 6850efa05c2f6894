"""The benchmark's plan (quick or full) and its runs: one training and / or
evaluation of one method config at one scale, knob and seed."""
import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .ablations import ABLATIONS, FULL_ITERATIONS, QUICK_ABLATIONS, Ablation, iteration_rows
from .specs import MODELS, ModelSpec, Scale, run_models

#: ``text_relation`` of the simulated features where a run does not say.
DEFAULT_KNOB = 0.7
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
              seeds: Optional[Sequence[int]] = None,
              charades_scale: Optional[Mapping[str, int]] = None) -> Plan:
    """The quick or the full plan (see the module docstring and ``--list``).

    Args:
        quick: The quick plan (<= 10 min on 2 CPU cores, a smoke test).
        cuda: Whether a GPU runs the speed scripts.
        paper_schedule: Add Charades-STA rows trained on all videos with the
            paper's schedule (L = 5, 10 language epochs; hours on a CPU).
        seeds: Seeds of every row (default :data:`FULL_SEEDS`, quick
            :data:`QUICK_SEEDS`).
        charades_scale: :class:`Scale` fields that replace those of the full
            plan's Charades-STA accuracy runs (e.g. ``train_videos=1000,
            iterations=5``); the runs' keys change with them.
    """
    seeds = tuple(dict.fromkeys(int(x) for x in seeds)) if seeds else (
        QUICK_SEEDS if quick else FULL_SEEDS)
    if quick:
        charades = Scale(120, 40, language_epochs=2, iterations=2, num_frames=64,
                         cfg_options=QUICK_MODEL)
        return Plan(
            mode='quick', knobs=(0.0, DEFAULT_KNOB),
            accuracy={'charades': charades,
                      'activitynet': dataclasses.replace(charades, train_videos=60,
                                                         test_videos=20)},
            ablation=charades,
            ablations=tuple([a for a in ABLATIONS if a.name in QUICK_ABLATIONS]
                            + iteration_rows((1, 2, 3), reference=charades.iterations)),
            stage_scales={'charades': 0.003, 'activitynet': 0.002}, relabel_small=not cuda,
            seeds=seeds)
    ablation = Scale(400, 400, iterations=3)
    return Plan(
        mode='full', knobs=(0.0, DEFAULT_KNOB),
        accuracy={'charades': dataclasses.replace(Scale(600, None, iterations=3),
                                                  **dict(charades_scale or {})),
                  'activitynet': Scale(150, 150, iterations=3)},
        ablation=ablation,
        ablations=tuple([a for a in ABLATIONS if a.iterations is None]
                        + iteration_rows(FULL_ITERATIONS, reference=ablation.iterations)),
        stage_scales={'charades': 0.25, 'activitynet': 0.02}, relabel_small=not cuda,
        paper_schedule={'charades': Scale()} if paper_schedule else {}, seeds=seeds)


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
        kind: :attr:`ModelSpec.kind` (``'trained'`` or ``'tested'``).
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
    kind: str = 'trained'

    @property
    def trains(self) -> bool:
        """Whether the run trains (``'tested'`` runs only evaluate)."""
        return self.kind == 'trained'

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


def accuracy_runs(plan: Plan, models: Sequence[ModelSpec] = MODELS
                  ) -> Dict[Tuple[str, float, str], Run]:
    """``{(dataset, knob, row label): Run}`` of the accuracy table: every
    method of ``models`` that runs on the features (:func:`run_models`) at
    the plan's scale, then the trained ones at the paper's
    (``plan.paper_schedule``); each run with the plan's first seed
    (:func:`with_seeds` gives the others)."""
    runs = {}
    for dataset, scale in plan.accuracy.items():
        scales = [('', scale)] + ([(PAPER_SCHEDULE, plan.paper_schedule[dataset])]
                                  if dataset in plan.paper_schedule else [])
        for knob in plan.knobs:
            for suffix, row_scale in scales:
                for spec in run_models(list(models)):
                    if suffix and spec.kind != 'trained':
                        continue  # nothing to train: the schedule changes nothing
                    runs[dataset, knob, spec.name + suffix] = Run(
                        spec.name, dataset, knob, spec.config_of(dataset),
                        tuple(sorted(spec.cfg_options.items())), row_scale,
                        other_video_queries=True, seed=plan.seeds[0], kind=spec.kind)
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


def all_runs(plan: Plan, models: Sequence[ModelSpec] = MODELS) -> List[Run]:
    """Every distinct run of the plan (accuracy, then ablations), each seed."""
    return unique_runs([s for r in list(accuracy_runs(plan, models).values())
                        + list(ablation_runs(plan).values()) for s in with_seeds(r, plan.seeds)])


def find_run(plan: Plan, key: str) -> Run:
    """The run of ``plan`` whose key is ``key``.

    Raises:
        KeyError: No run of the plan has that key (see ``--list``).
    """
    runs = {r.key: r for r in all_runs(plan)}
    if key not in runs:
        raise KeyError(f'no run {key!r} in the {plan.mode} plan; see --list')
    return runs[key]
