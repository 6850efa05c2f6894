"""Speed of the pseudo-labelling and of a video-module epoch at Charades scale.

Measures, on the given device, with random features of Charades-STA's size
(5338 training videos, T = 128, N_c = 16 centres, d_e' = 1024), see
:mod:`dscnet_plugin.benchmark.relabel_speed`:

- one relabelling pass of ``NCutLabeller`` (batched power iteration) for one
  neck, and the 4 necks of the paper's Charades setting;
- the same pass with the labeller's ``eigh`` solver, the agreement of the
  two passes' labels and the solver ``'auto'`` picks on this device;
- batched ``torch.linalg.eigh`` on a subset of the same graphs (the dense
  reference), the speed ratio, and the agreement of the two cuts;
- one epoch of the video module (encoder + both heads + L_v) with the
  features resident on the device, at two batch sizes (bfloat16 autocast
  on CUDA, float32 on the CPU).

Usage::

    python tools/analysis/relabel_speed.py --out relabel_speed.json          # GPU
    python tools/analysis/relabel_speed.py --small --out relabel_speed.json  # CPU check
"""
import argparse
import json

import torch

from dscnet_plugin.benchmark.relabel_speed import measure


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--small', action='store_true',
                        help='64 videos, d=64: a quick check on a CPU')
    parser.add_argument('--out', help='write the results as JSON here')
    return parser.parse_args()


def main():
    args = parse_args()
    out = measure(torch.device(args.device), args.small)
    print(json.dumps(out, indent=2))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(out, f, indent=2)


if __name__ == '__main__':
    main()
