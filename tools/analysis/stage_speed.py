"""Per-stage wall time and peak memory of the DSCNet pipeline at dataset scale.

The five stages of a DSCNet run (``language_epoch``, ``clustering``,
``relabel``, ``video_epoch``, ``test``), each on the real code path of
``configs/dscnet_<dataset>.py`` with random inputs of the real size, each
in its own child process (``forkserver``), which reports its wall time and
its peak memory (peak RSS, peak RSS minus the child's RSS before the
stage, on CUDA also ``torch.cuda.max_memory_allocated``); see
:mod:`dscnet_plugin.benchmark.stages`.

``--scale F`` runs a fraction ``F`` of the videos and queries; the JSON then
also holds a linear extrapolation to the full dataset, under the key
``extrapolated_full_scale``.

On a CPU the stage processes use one torch thread unless ``--threads``
says otherwise (see :func:`dscnet_plugin.benchmark.stages.plan.make_plan`);
the JSON records the threads and the load average around each stage.
Run from the repository root (the configs are read relative to it).

Usage::

    python tools/analysis/stage_speed.py --scale 0.005 --out quick.json  # ~1-2 min on 2 CPU cores
    python tools/analysis/stage_speed.py --out docs/results/stage_speed_cpu.json  # full scale
    python tools/analysis/stage_speed.py --small --scale 0.003  # tiny dimensions: seconds

As a module: ``dscnet_plugin.benchmark.stages.report.measure(['charades'],
'cpu', scale=0.05)`` returns the dict.
"""
import argparse
from typing import Any, Dict, Optional, Sequence

import torch

from dscnet_plugin.benchmark.stages.plan import STAGES
from dscnet_plugin.benchmark.stages.report import measure, table, write_json
from dscnet_plugin.utils import run_tool


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dataset', choices=('charades', 'activitynet', 'both'),
                        default='both')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--scale', type=float, default=1.0,
                        help='fraction of the videos / queries (1.0: full scale)')
    parser.add_argument('--small', action='store_true',
                        help='tiny model / feature dimensions (a quick check)')
    parser.add_argument('--stages', nargs='+', choices=STAGES, default=list(STAGES))
    parser.add_argument('--threads', type=int,
                        help="torch threads per stage process (default: 1 on a CPU, "
                             "torch's default on a GPU; 0: torch's default)")
    parser.add_argument('--out', help='write the results as JSON here (after every stage)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    datasets = ('charades', 'activitynet') if args.dataset == 'both' else (args.dataset,)
    save = (lambda r: write_json(r, args.out)) if args.out else None
    result = measure(datasets, args.device, args.scale, args.small, args.stages, args.threads,
                     save)
    if args.out:
        write_json(result, args.out)
    print('\n'.join(table(result)))
    print(f"total wall time {result['wall_s']:.1f} s on {result['environment']['device_name']}")
    return result


if __name__ == '__main__':
    run_tool(main)  # a missing config or an unwritable --out: one error line
