"""Measurements of whole datasets: every stage in its own process, the
environment, the linear extrapolation to full scale, the JSON file and the
summary table."""
import datetime
import json
import os
import platform
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

import torch

from dscnet_plugin.benchmark.meters import device_name
from dscnet_plugin.benchmark.stages.isolation import run_isolated, stage_context
from dscnet_plugin.benchmark.stages.plan import DATASETS, STAGE_ITEMS, STAGES, Plan, make_plan
from dscnet_plugin.benchmark.stages.stages import StageResult
from dscnet_plugin.utils import atomic_text, cpu_model

#: Called with the partial result after every stage.
OnStage = Optional[Callable[[Dict[str, Any]], None]]


def extrapolate(stages: Dict[str, StageResult], plan: Plan) -> Dict[str, Any]:
    """Linear extrapolation of measured stages to the full dataset.

    A stage's time scales with its item count (``STAGE_ITEMS``) by the
    factor ``full / used``; its resident data too; its working memory
    (peak delta minus resident data: model, optimiser, batch activations)
    is kept as measured.
    """
    out: Dict[str, Any] = dict(
        note='EXTRAPOLATED, not measured: time and resident data scaled linearly '
             'by factor = full items / measured items; peak delta = measured working '
             'memory (peak delta - resident data) + resident data x factor')
    for name, r in stages.items():
        key = STAGE_ITEMS[name]
        factor = plan.full_counts[key] / plan.counts[key]
        working = max(0.0, r['peak_rss_delta_mb'] - r['resident_data_mb'])
        out[name] = dict(factor=factor, time_s=r['time_s'] * factor,
                         resident_data_mb=r['resident_data_mb'] * factor,
                         peak_rss_delta_mb=working + r['resident_data_mb'] * factor)
    out['total_time_s'] = sum(v['time_s'] for k, v in out.items() if k in stages)
    return out


def measure_dataset(dataset: str, device: str = 'cpu', scale: float = 1.0,
                    small: bool = False, stages: Sequence[str] = STAGES,
                    threads: Optional[int] = None, on_stage: OnStage = None) -> Dict[str, Any]:
    """Measure ``stages`` of ``dataset``, each in its own process.

    Args:
        dataset: ``'charades'`` or ``'activitynet'``.
        device: Torch device string.
        scale: Fraction of the videos / queries (1.0: full scale).
        small: Tiny dimensions (:data:`~.plan.SMALL`), for tests.
        stages: Stages to run (of :data:`~.plan.STAGES`).
        threads: Torch threads of the stage processes (see
            :func:`~.plan.make_plan`).
        on_stage: Called with the partial result after every stage.

    Returns:
        ``config``, ``scale``, ``small``, ``threads``, ``counts``, ``full_counts``,
        ``settings``, ``stages`` (``{stage: run_stage dict}``),
        ``total_time_s``, ``wall_s`` and, when ``scale < 1``,
        ``extrapolated_full_scale`` (see :func:`extrapolate`).
    """
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise ValueError(f'unknown stages {sorted(unknown)}; known: {STAGES}')
    start = time.perf_counter()
    plan = make_plan(dataset, device, scale, small, threads)
    result: Dict[str, Any] = dict(config=DATASETS[dataset]['config'], scale=scale, small=small,
                                  threads=plan.threads or torch.get_num_threads(),
                                  counts=plan.counts, full_counts=plan.full_counts,
                                  settings=plan.settings, stages={})
    for stage in stages:
        result['stages'][stage] = run_isolated(stage, plan)
        result['total_time_s'] = sum(r['time_s'] for r in result['stages'].values())
        if plan.counts != plan.full_counts:
            result['extrapolated_full_scale'] = extrapolate(result['stages'], plan)
        result['wall_s'] = time.perf_counter() - start
        if on_stage is not None:
            on_stage(result)
    return result


def environment(device: str) -> Dict[str, Any]:
    """Device name, torch version, CPU count and date of a measurement."""
    dev = torch.device(device)
    return dict(date=datetime.datetime.now().astimezone().isoformat(timespec='seconds'),
                device=device, device_name=device_name(dev), cpu_model=cpu_model(),
                torch=torch.__version__, cpu_count=os.cpu_count(),
                python=platform.python_version(),
                isolation='one child process per stage ('
                          + stage_context().get_start_method() + ')')


def measure(datasets: Sequence[str] = ('charades', 'activitynet'), device: str = 'cpu',
            scale: float = 1.0, small: bool = False, stages: Sequence[str] = STAGES,
            threads: Optional[int] = None, on_stage: OnStage = None) -> Dict[str, Any]:
    """Measure every dataset of ``datasets`` (the arguments as in
    :func:`measure_dataset`).

    Returns:
        ``{'environment': environment(device), 'scale': scale,
        'datasets': {name: measure_dataset(...)}, 'wall_s': seconds}``;
        ``on_stage`` gets this dict (partial) after every stage.
    """
    start = time.perf_counter()
    out: Dict[str, Any] = dict(environment=environment(device), scale=scale, datasets={})

    def update(partial: Dict[str, Any], name: str) -> None:
        out['datasets'][name] = partial
        out['wall_s'] = time.perf_counter() - start
        if on_stage is not None:
            on_stage(out)

    for name in datasets:
        out['datasets'][name] = measure_dataset(
            name, device, scale, small, stages, threads, lambda r, n=name: update(r, n))
    out['wall_s'] = time.perf_counter() - start
    return out


def write_json(result: Dict[str, Any], path: str) -> None:
    """Write ``result`` to ``path`` (atomically: a reader never sees half a file)."""
    atomic_text(path, json.dumps(result, indent=2))


def table(result: Dict[str, Any]) -> List[str]:
    """Lines of a summary table: per dataset and stage, the measured time
    and memory and, when scaled, the extrapolated full-scale time."""
    lines = [f"{'dataset':<12}{'stage':<16}{'items':>8}{'time s':>10}{'peak MB':>10}"
             f"{'delta MB':>10}{'full s (extrap.)':>18}"]
    for name, d in result['datasets'].items():
        ext = d.get('extrapolated_full_scale', {})
        for stage, r in d['stages'].items():
            full = f"{ext[stage]['time_s']:.1f}" if stage in ext else '-'
            lines.append(f"{name:<12}{stage:<16}{r['items']:>8}{r['time_s']:>10.2f}"
                         f"{r['peak_rss_mb']:>10.0f}{r['peak_rss_delta_mb']:>10.0f}{full:>18}")
    return lines
