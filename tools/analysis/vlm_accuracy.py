"""Accuracy of the vision-language route on simulated VLM features.

Simulates the features (``tools/data/simulate_features.py --mode vlm``, once
per dataset and knob), then runs, in this process, the training-free grounder
(``configs/zeroshot_vlm_<dataset>.py``, test) at every knob and DSCNet-VLM
(``configs/dscnet_vlm_<dataset>.py``, train + its validation on the test
split) for every seed at the training knobs; each result is the
``PriorComparisonHook`` table (model, other-video-query control, priors).
Writes a JSON with the command, machine, date and tables, and prints the
mean +- sample std over seeds as markdown::

    OMP_NUM_THREADS=2 python tools/analysis/vlm_accuracy.py --data-root ../shared/data \\
        --out docs/results/vlm_accuracy_charades-sta.json
"""
import argparse
import contextlib
import datetime
import json
import os
import os.path as osp
import platform
import sys
import time
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from dscnet_plugin.datasets import KumoGloveVectors
from dscnet_plugin.datasets.simulation.vlm_simulate import SIMULATORS
from dscnet_plugin.datasets.simulation.vlm_space import DEFAULT_ALIGNMENT, VLMSpace
from dscnet_plugin.engine.hooks.evaluation_recorder_hook import EvaluationRecorder
from dscnet_plugin.utils import atomic_text, cpu_model, merge_cli_options, register_all_modules

#: Ablations of DSCNet-VLM (``--ablations``, at the first training knob and seed):
#: name -> config changes.
ABLATIONS = {
    'relabel blending in the learned logits (anchor_weight 0.9)': dict(anchor_weight=0.9),
    'relabel blending in the learned logits (anchor_weight 0.5)': dict(anchor_weight=0.5),
    "L_cls (the paper's BCE) in place of L_reg": dict(
        video_losses=dict(cls=dict(type='GroundingBCELoss', loss_weight=1.0))),
    'N_c = 16 (the paper)': dict(clusterer=dict(num_clusters=16)),
}
KEYS = ('R1@0.3', 'R1@0.5', 'R1@0.7', 'R5@0.5', 'mIoU', 'mAP@0.5', 'mAP@0.75', 'mAP',
        'curve_corr')


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--data-root', default='../shared/data', help='the real annotations')
    p.add_argument('--dataset', default='charades-sta', choices=sorted(SIMULATORS))
    p.add_argument('--sim-dir', default='work_dirs/vlm_sim', help='simulated features')
    p.add_argument('--work-dir', default='work_dirs/vlm_accuracy')
    p.add_argument('--knobs', type=float, nargs='*', default=[0.0, 0.25, 0.5, 0.75, 1.0],
                   help='alignments of the zero-shot sweep')
    p.add_argument('--train-knobs', type=float, nargs='*', default=[DEFAULT_ALIGNMENT, 0.0],
                   help='alignments DSCNet-VLM is trained at')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--ablations', action='store_true',
                   help='also the ABLATIONS of DSCNet-VLM (at the default knob, first seed)')
    p.add_argument('--out', required=True, help='the JSON written')
    return p.parse_args(argv)


def simulated(args, knob: float) -> str:
    """The folder of the simulated features at ``knob`` (written if absent)."""
    out = osp.join(args.sim_dir, f'{args.dataset}_a{knob:g}')
    if not osp.isfile(osp.join(out, 'simulation.json')):
        space = VLMSpace(KumoGloveVectors(), alignment=knob)
        SIMULATORS[args.dataset](args.data_root, out, space)
    return out


@contextlib.contextmanager
def logged_to(path: str):
    """Console output of a run to ``path``; default scopes restored."""
    saved = DefaultScope._instance_dict.copy()
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'a', encoding='utf-8') as f, contextlib.redirect_stdout(f), \
            contextlib.redirect_stderr(f):
        try:
            yield
        finally:
            DefaultScope._instance_dict.clear()
            DefaultScope._instance_dict.update(saved)


def run(config: str, data_root: str, work_dir: str, seed: int, train: bool,
        model: Optional[dict] = None) -> dict:
    """The comparison table of one run (the last evaluation); ``model``
    replaces fields of the model config (whole values: a dict given replaces
    the field's dict)."""
    cfg = merge_cli_options(Config.fromfile(config), {'data_root': data_root})
    for key, value in (model or {}).items():
        if isinstance(value, dict) and key == 'video_losses':
            cfg.model[key] = value
        elif isinstance(value, dict):
            cfg.model[key].update(value)
        else:
            cfg.model[key] = value
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed, deterministic=True)
    cfg.default_hooks.checkpoint.update(interval=10**6, max_keep_ckpts=1, save_last=True)
    recorder = EvaluationRecorder()
    start = time.time()
    with logged_to(osp.join(work_dir, 'console.log')):
        runner = Runner.from_cfg(cfg)
        try:
            runner.register_hook(recorder)
            if train:
                runner.train()
            else:
                runner.test()
        finally:  # its handlers write to the redirected (then closed) stream
            logger = runner.logger
            for handler in list(logger.handlers):
                handler.close()
                logger.removeHandler(handler)
    table = recorder.evaluations[-1]['table']
    return dict(table=table, seconds=round(time.time() - start, 1))


def summary(tables: Sequence[dict]) -> Dict[str, Dict[str, List[float]]]:
    """``{row: {key: [mean, std]}}`` over the runs' tables (std 0 for one)."""
    out: Dict[str, Dict[str, List[float]]] = {}
    for row in tables[0]:
        out[row] = {}
        for key in KEYS:
            values = [t[row][key] for t in tables if key in t.get(row, {})]
            if values:
                std = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
                out[row][key] = [round(float(np.mean(values)), 2), round(std, 2)]
    return out


def markdown(title: str, rows: Dict[str, Dict[str, List[float]]], n: int) -> str:
    keys = [k for k in KEYS if any(k in r for r in rows.values())]
    lines = [f'**{title}** ({n} run{"s" if n > 1 else ""})', '',
             '| method | ' + ' | '.join(keys) + ' |', '|' + '---|' * (len(keys) + 1)]
    for name, vals in rows.items():
        cells = [(f'{vals[k][0]:.2f} ± {vals[k][1]:.2f}' if n > 1 else f'{vals[k][0]:.2f}')
                 if k in vals else '' for k in keys]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    register_all_modules()
    result: Dict[str, Any] = dict(
        command=' '.join([osp.basename(sys.executable)] + sys.argv),
        date=datetime.date.today().isoformat(), machine=f'{cpu_model()} ({platform.machine()})',
        threads=torch.get_num_threads(), dataset=args.dataset, seeds=args.seeds,
        zero_shot={}, dscnet_vlm={})
    texts = []
    work = osp.join(args.work_dir, args.dataset)
    for knob in args.knobs:
        runs = [run(f'configs/zeroshot_vlm_{args.dataset}.py', simulated(args, knob),
                    osp.join(work, f'zeroshot_a{knob:g}'), 0, train=False)]
        result['zero_shot'][f'{knob:g}'] = dict(runs=runs, summary=summary(
            [r['table'] for r in runs]))
        texts.append(markdown(f'zero-shot, knob {knob:g}', result['zero_shot'][f'{knob:g}']
                              ['summary'], 1))
    for knob in args.train_knobs:
        runs = [run(f'configs/dscnet_vlm_{args.dataset}.py', simulated(args, knob),
                    osp.join(work, f'dscnet_vlm_a{knob:g}_s{seed}'), seed, train=True)
                for seed in args.seeds]
        result['dscnet_vlm'][f'{knob:g}'] = dict(runs=runs, summary=summary(
            [r['table'] for r in runs]))
        texts.append(markdown(f'DSCNet-VLM, knob {knob:g}, seeds {args.seeds}',
                              result['dscnet_vlm'][f'{knob:g}']['summary'], len(runs)))
        atomic_text(args.out, json.dumps(result, indent=1))
    if args.ablations:
        knob, seed = DEFAULT_ALIGNMENT, args.seeds[0]
        result['ablations'] = dict(knob=knob, seed=seed, runs={})
        for i, (name, change) in enumerate(ABLATIONS.items()):
            slug = f'{i}_' + ''.join(c if c.isalnum() else '_' for c in name)[:40]
            res = run(f'configs/dscnet_vlm_{args.dataset}.py', simulated(args, knob),
                      osp.join(work, f'ablation_{slug}'), seed, True, change)
            result['ablations']['runs'][name] = dict(res, change=change)
            texts.append(markdown(f'DSCNet-VLM ablation: {name} (knob {knob:g}, seed {seed})',
                                  summary([res['table']]), 1))
            atomic_text(args.out, json.dumps(result, indent=1))
    atomic_text(args.out, json.dumps(result, indent=1))
    sys.stdout.write('\n\n'.join(texts) + '\n')


if __name__ == '__main__':
    main()
