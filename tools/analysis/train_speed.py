"""Time DSCNet's paper schedule end to end through the Runner, device-resident
and streaming, at Charades-STA and ActivityNet scale (the one device script).

On a GPU run it at full scale; on a CPU give a ``--scale`` fraction (absolute
times only count from a GPU; the resident / streaming ratio anywhere)::

    python tools/analysis/train_speed.py --out docs/results/train_speed_<gpu>.json
    OMP_NUM_THREADS=2 python tools/analysis/train_speed.py --scale 0.01 \
        --out docs/results/train_speed_cpu_scale0.01.json

For each dataset: the full schedule with resident features (language,
clustering, initial labels, ``L x N_e`` epochs with their relabelling, test),
then the streaming DataLoader path for ``--streaming-iterations`` iterations
(its epoch and relabel times, same data, same process).
"""
import argparse
import datetime
import json
import os
import os.path as osp
import platform
import sys
import tempfile

import torch
from mmengine.logging import MMLogger

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from dscnet_plugin.benchmark import SCALES, measure_training, speed_config  # noqa: E402
from dscnet_plugin.utils import register_all_modules  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--datasets', nargs='+', default=list(SCALES), choices=list(SCALES))
    parser.add_argument('--scale', type=float, default=1.0)
    parser.add_argument('--iterations', type=int, default=5, help='L (paper: 5)')
    parser.add_argument('--streaming-iterations', type=int, default=1)
    parser.add_argument('--work-dir', default=None)
    parser.add_argument('--out', required=True, help='JSON of every number')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    register_all_modules(init_default_scope=False)
    root = args.work_dir or tempfile.mkdtemp(prefix='train_speed_')
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor()
    result = dict(date=datetime.date.today().isoformat(), device=device,
                  cuda=torch.cuda.is_available(), torch=torch.__version__,
                  threads=torch.get_num_threads(), cpus=os.cpu_count(), scale=args.scale,
                  command='python tools/analysis/train_speed.py ' + ' '.join(sys.argv[1:]),
                  datasets={})
    for name in args.datasets:
        runs = {}
        for mode, iterations in (('resident', args.iterations),
                                 ('streaming', args.streaming_iterations)):
            cfg = speed_config(name, args.scale, osp.join(root, name, 'data'),
                               osp.join(root, name, mode), streaming=mode == 'streaming',
                               iterations=iterations)
            cfg.experiment_name = f'train_speed_{name}_{mode}'
            runs[mode] = measure_training(cfg)
            runs[mode]['iterations'] = iterations
            MMLogger.get_current_instance().info(f'[train_speed] {name} {mode}: {runs[mode]}')
        mean = {m: sum(r['epoch_s']) / len(r['epoch_s']) for m, r in runs.items()}
        runs['streaming_over_resident_epoch'] = mean['streaming'] / mean['resident']
        result['datasets'][name] = runs
        print(f'{name}: {runs["resident"]["videos"]} training videos; full schedule '
              f'(L={args.iterations}) {runs["resident"]["train_s"]:.1f} s train + '
              f'{runs["resident"]["test_s"]:.1f} s test; video epoch resident '
              f'{mean["resident"]:.2f} s vs streaming {mean["streaming"]:.2f} s '
              f'({runs["streaming_over_resident_epoch"]:.2f}x); relabel '
              f'{max(runs["resident"]["relabel_s"][1:] or [0]):.2f} s max per neck')
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
