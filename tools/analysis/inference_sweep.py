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
  at temperature ``T``, window scales ``ch``
  (``configs/_base_/datasets/charades-sta_windows.py``) or ``all`` (the
  grower's defaults).

``T`` may be ``fit``: the temperature is fitted again on the *training*
videos' pseudo labels through that setting's grower (``docs/method.md``
reading 24, target ``--temperature-target``), as the end of training does;
such a setting picks nothing on the test set.

Usage::

    python tools/analysis/inference_sweep.py RUN_DIR/dscnet_charades_transport.py \\
        RUN_DIR/epoch_20.pth --settings 8:0.9 prop:fit:ch --out sweep.json
"""
import argparse
import json
import os.path as osp
from typing import Optional

import torch
from mmengine import Config

from dscnet_plugin.apis.load_weights import load_weights
from dscnet_plugin.engine.runner import build_runner
from dscnet_plugin.models.grounders.temperature_fit import TARGETS
from dscnet_plugin.utils import atomic_text, register_all_modules, run_tool

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCALES = {
    'ch': Config.fromfile(osp.join(ROOT, 'configs/_base_/datasets/charades-sta_windows.py')
                          ).proposal_windows['scales'],
    'all': None,
}


def parse_temperature(text: str):
    """A positive float, or ``'fit'``."""
    if text == 'fit':
        return text
    value = float(text)
    if not value > 0:
        raise ValueError(text)
    return value


def parse_setting(text: str) -> dict:
    """``{'temperature', 'threshold'}`` or ``{'temperature', 'scales'}`` of one
    setting argument (see the module docstring)."""
    parts = text.split(':')
    try:
        if parts[0] == 'prop' and len(parts) == 3 and parts[2] in SCALES:
            return dict(temperature=parse_temperature(parts[1]), scales=parts[2])
        if len(parts) == 2:
            return dict(temperature=parse_temperature(parts[0]), threshold=float(parts[1]))
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(
        f'setting {text!r}: expected T:THR or prop:T:{"|".join(SCALES)}, T > 0 or fit')


def refit_temperature(runner) -> dict:
    """Fit the temperature again on the training videos (the training
    run's ``IterativeRelabelHook``); returns ``{'fit_table': ...}``."""
    hooks = [h for h in runner.hooks if hasattr(h, 'fit_temperature')]
    if not hooks or not runner.model.temperature_grid:
        raise ValueError('a fitted temperature needs an IterativeRelabelHook and a '
                         'model.temperature_grid in the config')
    table = hooks[0].fit_temperature(runner, runner.model)
    return dict(fit_table={str(k): v for k, v in table.items()})


def run_setting(cfg_path: str, checkpoint: str, setting: dict, work_dir: str,
                target: Optional[str] = None) -> dict:
    """Test metrics of the checkpoint under one setting (with the fitted
    temperature and its table when ``setting['temperature'] == 'fit'``)."""
    cfg = Config.fromfile(cfg_path)
    cfg.work_dir, cfg.load_from = work_dir, None
    if target is not None:
        cfg.model.temperature_target = target
    if 'scales' in setting:
        grower = Config.fromfile(osp.join(ROOT, 'configs/_base_/models/proposal_grower.py')
                                 ).model.grower
        if SCALES[setting['scales']] is not None:
            grower.scales = SCALES[setting['scales']]
        cfg.model.grower = grower
    runner = build_runner(cfg)
    load_weights(runner.model, checkpoint, cfg_path, runner=runner)
    if 'threshold' in setting:
        runner.model.grower.threshold = setting['threshold']
    fitted = {}
    if setting['temperature'] == 'fit':
        fitted = refit_temperature(runner)
    else:
        runner.model.fitted_temperature.fill_(setting['temperature'])
    metrics = runner.test()
    return dict({k: v for k, v in metrics.items() if isinstance(v, (int, float))},
                temperature=float(runner.model.fitted_temperature), **fitted)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--settings', nargs='+', type=parse_setting, required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--work-dir', default='work_dirs/inference_sweep')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--temperature-target', choices=TARGETS, default=None,
                        help="the fit's target moment (T = fit); default: the config's")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    register_all_modules(init_default_scope=False)
    results = {}
    for i, setting in enumerate(args.settings):
        key = ('prop:' if 'scales' in setting else '') + ':'.join(map(str, setting.values()))
        results[key] = run_setting(args.config, args.checkpoint, setting,
                                   osp.join(args.work_dir, str(i)), args.temperature_target)
        atomic_text(args.out, json.dumps(results, indent=1))
    return results


if __name__ == '__main__':
    run_tool(main)  # a missing config or checkpoint, an unwritable --out: one error line
