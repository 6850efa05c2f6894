"""Test one trained DSCNet checkpoint under other inference settings.

Analysis, not a method: every setting is scored on the *test* queries, so a
setting picked from this table is picked on the test set. It shows how much
of a checkpoint's R1@0.5 is the inference (temperature, grower) rather than
the network. The training run's ``PriorComparisonHook`` (other-video
control, priors) runs with every setting, as in ``tools/test.py``.

Settings, one argument each:

- ``T:THR``: region growing (the checkpoint's grower) at temperature ``T``
  with threshold ``THR``;
- ``prop:T:SCALES``: ``ProposalGrower`` (``configs/_base_/models/proposal_grower.py``)
  at temperature ``T``, window scales ``ch`` (``configs/_base_/datasets/charades-sta_vlm.py``)
  or ``all`` (the grower's defaults).

Usage::

    python tools/analysis/inference_sweep.py RUN_DIR/dscnet_charades_transport.py \\
        RUN_DIR/epoch_20.pth --settings 8:0.9 prop:8:ch --out sweep.json
"""
import argparse
import json
import os.path as osp

import torch
from mmengine import Config

from dscnet_plugin.apis.load_weights import load_weights
from dscnet_plugin.engine.runner import build_runner
from dscnet_plugin.utils import atomic_text, register_all_modules, run_tool

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCALES = {
    'ch': Config.fromfile(osp.join(ROOT, 'configs/_base_/datasets/charades-sta_vlm.py')
                          ).proposal_windows['scales'],
    'all': None,
}


def parse_setting(text: str) -> dict:
    """``{'temperature', 'threshold'}`` or ``{'temperature', 'scales'}`` of one
    setting argument (see the module docstring)."""
    parts = text.split(':')
    try:
        if parts[0] == 'prop' and len(parts) == 3 and parts[2] in SCALES:
            return dict(temperature=float(parts[1]), scales=parts[2])
        if len(parts) == 2:
            return dict(temperature=float(parts[0]), threshold=float(parts[1]))
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(
        f'setting {text!r}: expected T:THR or prop:T:{"|".join(SCALES)}')


def run_setting(cfg_path: str, checkpoint: str, setting: dict, work_dir: str) -> dict:
    """Test metrics of the checkpoint under one setting."""
    cfg = Config.fromfile(cfg_path)
    cfg.work_dir, cfg.load_from = work_dir, None
    if 'scales' in setting:
        grower = Config.fromfile(osp.join(ROOT, 'configs/_base_/models/proposal_grower.py')
                                 ).model.grower
        if SCALES[setting['scales']] is not None:
            grower.scales = SCALES[setting['scales']]
        cfg.model.grower = grower
    runner = build_runner(cfg)
    load_weights(runner.model, checkpoint, cfg_path, runner=runner)
    runner.model.fitted_temperature.fill_(setting['temperature'])
    if 'threshold' in setting:
        runner.model.grower.threshold = setting['threshold']
    metrics = runner.test()
    return {k: v for k, v in metrics.items() if isinstance(v, (int, float))}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--settings', nargs='+', type=parse_setting, required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--work-dir', default='work_dirs/inference_sweep')
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    register_all_modules(init_default_scope=False)
    results = {}
    for i, setting in enumerate(args.settings):
        key = ('prop:' if 'scales' in setting else '') + ':'.join(map(str, setting.values()))
        results[key] = run_setting(args.config, args.checkpoint, setting,
                                   osp.join(args.work_dir, str(i)))
        atomic_text(args.out, json.dumps(results, indent=1))
    return results


if __name__ == '__main__':
    run_tool(main)  # a missing config or checkpoint, an unwritable --out: one error line
