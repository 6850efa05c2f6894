"""The benchmark's sections: run the plan's runs (child processes), read
their results into the JSON parts, and write the report."""
import datetime
import json
import os
import os.path as osp
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import torch

from ..utils import atomic_text, cpu_model
from .ablations import Ablation
from .children import Options, execute_all
from .locations import BENCH_DIR, log
from .markdown import update_markdown
from .paper_numbers import PAPER_NUMBERS
from .plan import (DEFAULT_KNOB, PAPER_SCHEDULE, Plan, Run, ablation_runs, accuracy_runs,
                   with_seeds)
from .priors import prior_tables
from .render import render_ablations, render_accuracy, render_run_info, render_speed
from .speed_section import measure_speed
from .specs import DATASETS_SPECS, MODELS, frame_models
from .tables import mean_std, seed_tables


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
    notes += [f'not run (reads video frames, not features): {m.name} ('
              + ', '.join(m.config_of(d) for d in plan.accuracy) + ')'
              for m in frame_models(MODELS)]
    return notes


def accuracy_section(plan: Plan, options: Options) -> Dict[str, Any]:
    """Train / evaluate the accuracy runs and the priors; the JSON part."""
    runs = {label: with_seeds(r, plan.seeds)
            for label, r in accuracy_runs(plan, MODELS).items()}
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
                priors=prior_tables(plan, MODELS), results=results,
                frame_models=[[m.name, ', '.join(m.config_of(d) for d in plan.accuracy)]
                              for m in frame_models(MODELS)],
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
