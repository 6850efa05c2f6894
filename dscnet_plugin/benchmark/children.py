"""Child processes of the benchmark: each run trains in its own process
(``tools/benchmark.py --run-key KEY``), ``jobs`` at a time, longest first;
a run whose result is still valid is kept instead."""
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .cost_model import estimate_seconds
from .execution import cached_result, run_signature, work_dir_of
from .inputs import features_path, prepare_inputs
from .locations import BENCHMARK_SCRIPT, REPO, child_env, log
from .plan import Run, unique_runs
from .tables import fmt


@dataclass(frozen=True)
class Options:
    """How the runs are executed (from the command line).

    Attributes:
        quick: The quick plan.
        reuse: Keep results whose signature did not change.
        run_filter: Only runs whose key matches this regex.
        jobs: Runs trained at the same time (one child process each).
        threads: Torch threads per run.
        charades_scale: ``(field, value)`` overrides of the full plan's
            Charades-STA accuracy scale (``--charades-videos`` /
            ``--charades-iterations``), passed on to the children.
    """

    quick: bool = False
    reuse: bool = False
    run_filter: Optional[str] = None
    jobs: int = 2
    threads: int = 1
    charades_scale: Tuple[Tuple[str, int], ...] = ()


def child_command(run: Run, options: Options) -> List[str]:
    """The command that executes ``run`` in a child process."""
    scale = dict(options.charades_scale)
    flags = [(f'--charades-{name}', scale[key]) for name, key in SCALE_FLAGS.items()
             if key in scale]
    return [sys.executable, str(BENCHMARK_SCRIPT), '--run-key', run.key,
            '--threads', str(options.threads), '--seeds', str(run.seed)] + (
                ['--quick'] if options.quick else []) + [
                    str(x) for flag in flags for x in flag]


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
    pending = sorted(runs, key=estimate_seconds, reverse=True)
    active: Dict[str, Tuple[Run, subprocess.Popen, float, str]] = {}
    out = {}
    env = child_env()
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


#: ``--charades-NAME`` flags of the command line: the :class:`Scale` field each sets.
SCALE_FLAGS = {'videos': 'train_videos', 'iterations': 'iterations'}


#: Results of the runs done by this process (a run shared by two sections runs once).
DONE: Dict[str, Dict[str, Any]] = {}


def execute_all(runs: Sequence[Run], options: Options) -> Dict[str, Dict[str, Any]]:
    """Execute each distinct run once and return ``{run key: result}``.

    Runs outside ``options.run_filter`` are not trained: their earlier result
    is shown when it is still valid (so a filtered rerun keeps the other
    rows); with ``options.reuse`` every still-valid result is kept.
    """
    todo = []
    for run in unique_runs(runs):
        if run.key in DONE:
            continue
        selected = not options.run_filter or re.search(options.run_filter, run.key)
        _, features = (prepare_inputs(run) if selected
                       else (None, features_path(run.dataset, run.knob, run.scale)))
        cached = None
        if not selected or options.reuse:
            cached = (cached_result(run, run_signature(run, features))
                      if osp.isfile(features + '.json') else None)
        if cached is not None:
            DONE[run.key] = cached
            log(f'{run.key}: earlier result kept ({summary(run, cached)})')
        elif selected:
            todo.append(run)
    DONE.update(run_children(todo, options))
    return {r.key: DONE[r.key] for r in unique_runs(runs) if r.key in DONE}
