"""The speed section of the benchmark: the per-stage and relabelling speed
scripts of ``tools/analysis/`` in child processes (their JSON read back),
and the GPU numbers recorded earlier."""
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Any, Dict, Optional, Sequence

import torch

from .locations import REPO, child_env
from .plan import Plan


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
    env = child_env(threads or 0)
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
