"""Benchmarks of DSCNet and the other methods on simulated features of the
real Charades-STA and ActivityNet Captions videos: accuracy beside the
no-video priors, the ablations of the paper's Tables 2-4, and the speed of each stage.

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
:class:`~dscnet_plugin.benchmark.specs.ModelSpec` to
:data:`~dscnet_plugin.benchmark.specs.MODELS`; extra ablation rows: an
:class:`~dscnet_plugin.benchmark.ablations.Ablation` in
:data:`~dscnet_plugin.benchmark.ablations.ABLATIONS` (see ``EXTRA_ABLATIONS``).

Each training run is a child process (``--run-key KEY``) with one torch
thread, ``--jobs`` (2) at a time: on a shared CPU two OpenMP threads per
process mostly wait for each other. A run writes
``work_dirs/benchmark/runs/<key>/result.json``, whose signature (run spec,
config text, feature manifest) lets ``--reuse`` / ``--filter`` keep it.
"""
import argparse
import os
import os.path as osp
import sys
import time
from typing import List, Optional, Sequence, Tuple

import torch

from ..utils import register_all_modules, set_quiet
from .children import DONE, SCALE_FLAGS, Options
from .cost_model import list_runs
from .execution import execute
from .locations import BENCH_DIR, checkout_root, log
from .markdown import SECTIONS
from .plan import FULL_SEEDS, QUICK_SEEDS, find_run, make_plan
from .sections import machine_info, run_sections, settings_notes, write_outputs


def positive_int(text: str) -> int:
    """An ``argparse`` type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be at least 1, got {value}')
    return value


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
    parser.add_argument('--charades-videos', type=positive_int,
                        help='full run: Charades-STA accuracy rows trained on this many '
                        'training videos (default 600)')
    parser.add_argument('--charades-iterations', type=positive_int,
                        help='full run: L of the Charades-STA accuracy rows (default 3)')
    parser.add_argument('--run-key', help='execute only this run of the plan (see --list) and '
                        'write its result.json; no report')
    return parser.parse_args(argv)


def charades_scale(args: argparse.Namespace) -> Tuple[Tuple[str, int], ...]:
    """The ``(Scale field, value)`` pairs of the ``--charades-*`` flags given."""
    return tuple((key, getattr(args, 'charades_' + name)) for name, key in SCALE_FLAGS.items()
                 if getattr(args, 'charades_' + name) is not None)


def output_paths(args: argparse.Namespace) -> Tuple[str, str]:
    """Absolute Markdown and JSON paths (quick runs default under work_dirs)."""
    if args.quick:
        md, js = f'{BENCH_DIR}/benchmarks_quick.md', f'{BENCH_DIR}/benchmarks_quick.json'
    else:
        md, js = 'docs/benchmarks.md', 'docs/results/benchmarks.json'
    root = checkout_root()
    md = osp.abspath(args.out_md) if args.out_md else str(root / md)
    js = osp.abspath(args.out_json) if args.out_json else str(root / js)
    return md, js


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Run ``tools/benchmark.py ARGV``; returns the lines to print (``--list``)."""
    args = parse_args(argv)
    md_path, json_path = output_paths(args)
    os.chdir(checkout_root())  # the configs' and the plan's paths are relative to it
    scale = dict(charades_scale(args))
    plan = make_plan(args.quick, torch.cuda.is_available(), args.paper_schedule, args.seeds,
                     scale)
    if args.list:
        return list_runs(plan, args.jobs)
    register_all_modules(init_default_scope=False)
    set_quiet(True)
    torch.set_num_threads(args.threads)
    if args.run_key:  # a child of run_children (any run of the plan, paper schedule included)
        lookup = make_plan(args.quick, torch.cuda.is_available(), paper_schedule=True,
                           seeds=args.seeds, charades_scale=scale)
        result = execute(find_run(lookup, args.run_key), args.reuse)
        log(f'{args.run_key}: {result["train_eval_s"]:.0f} s, tables in '
            f'{osp.join(BENCH_DIR, "runs", args.run_key, "result.json")}')
        return []
    start = time.perf_counter()
    options = Options(args.quick, args.reuse, args.filter, args.jobs, args.threads,
                      charades_scale(args))
    data, wall = run_sections(plan, args.sections, options)
    wall['total'] = time.perf_counter() - start
    command = 'python tools/benchmark.py ' + ' '.join(sys.argv[1:] if argv is None else argv)
    failed = sorted(k for k, r in DONE.items() if 'error' in r)
    info = dict(machine_info(), mode=plan.mode, command=command.strip(), wall_s=wall,
                settings=settings_notes(plan, options), failed=failed)
    write_outputs(md_path, json_path, info, data)
    log(f'wrote {md_path} and {json_path} in {wall["total"] / 60:.1f} min')
    return []
