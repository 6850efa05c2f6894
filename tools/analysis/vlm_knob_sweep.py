"""Frame–query cosine statistics of the simulated VLM features per knob value.

Simulates Charades-STA (``--split``, default test) at each ``--alignment``
into a temporary folder and writes the statistics of
``dscnet_plugin.datasets.simulation.vlm_statistics.similarity_statistics``
(no grounding model involved) to ``--out`` as JSON::

    python tools/analysis/vlm_knob_sweep.py --data-root ../shared/data \\
        --out docs/results/vlm_knob_sweep.json
"""
import argparse
import json
import platform
import tempfile
import time

from mmengine.logging import print_log

from dscnet_plugin.datasets import KumoGloveVectors
from dscnet_plugin.datasets.simulation.vlm_simulate import (CLIP_SECONDS,
                                                            simulate_vlm_charades)
from dscnet_plugin.datasets.simulation.vlm_space import VLMSpace
from dscnet_plugin.utils import atomic_text, set_quiet


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--out', required=True)
    parser.add_argument('--alignment', type=float, nargs='+', default=[0, 0.25, 0.5, 0.75, 1])
    parser.add_argument('--split', nargs='+', default=['test'])
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    set_quiet(True)
    from dscnet_plugin.datasets.simulation.vlm_statistics import similarity_statistics
    words = KumoGloveVectors()
    rows = []
    for a in args.alignment:
        with tempfile.TemporaryDirectory() as tmp:
            space = VLMSpace(words, alignment=a, seed=args.seed)
            t0 = time.perf_counter()
            simulate_vlm_charades(args.data_root, tmp, space, splits=args.split)
            seconds = time.perf_counter() - t0
            for s in args.split:
                stats = similarity_statistics(tmp, s, CLIP_SECONDS['charades-sta'])
                rows.append(dict(alignment=a, split=s, write_seconds=round(seconds, 2),
                                 **{k: round(v, 4) for k, v in stats.items()}))
                print_log(f'[vlm-sweep] {rows[-1]}', logger='current')
    atomic_text(args.out, json.dumps(dict(
        dataset='charades-sta', params=dict(VLMSpace(words, seed=args.seed).params,
                                            alignment='swept'),
        machine=platform.processor() or platform.machine(), rows=rows), indent=1))


if __name__ == '__main__':
    main()
