"""Evaluate a model (a trained one, or a prior baseline) with mmengine.

Example::

    python tools/test.py configs/baselines/freqprior_charades-sta.py \
        --cfg-options data_root=../shared/data --dump-metrics m.json
"""
import argparse
import gc
import json
import os

from mmengine.config import Config
from torch import distributed as torch_dist

from dscnet_plugin.apis import load_weights
from dscnet_plugin.engine import build_runner, check_inputs, TEST_SECTIONS
from dscnet_plugin.utils import (apply_cli_options, atomic_text, OptionsAction,
                                 prepare_cpu_distributed, register_all_modules, run_tool,
                                 set_quiet)


def parse_args():
    parser = argparse.ArgumentParser(description='Test a grounding model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', nargs='?', default=None,
                        help='checkpoint file (optional for models without '
                        'weights, e.g. the priors)')
    parser.add_argument('--work-dir', help='directory of logs and results')
    parser.add_argument('--dump-metrics', metavar='FILE.json',
                        help='write the metric dict to this JSON file')
    parser.add_argument('--dump', metavar='FILE.pkl',
                        help='dump the predictions to a pickle file')
    parser.add_argument('--cfg-options', nargs='+', action=OptionsAction,
                        help='override settings, e.g. data_root=../shared/data')
    parser.add_argument('--quiet', action='store_true',
                        help='no progress bars (they are also off when stdout is not a terminal)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args) -> Config:
    cfg = apply_cli_options(cfg, args.config, args.cfg_options, args.work_dir,
                            args.launcher)
    cfg.load_from = args.checkpoint
    if args.dump is not None:
        assert args.dump.endswith(('.pkl', '.pickle')), '--dump takes a .pkl file'
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        cfg.test_evaluator = ([*evaluator, dump_metric] if isinstance(evaluator, list)
                              else [evaluator, dump_metric])
    return cfg


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    set_quiet(args.quiet)
    cfg = merge_args(Config.fromfile(args.config), args)
    check_inputs(cfg, TEST_SECTIONS)  # every input, before the model is built
    checkpoint, cfg.load_from = cfg.load_from, None  # the Runner would load it loosely
    runner = build_runner(prepare_cpu_distributed(cfg))
    if checkpoint is not None:  # strictly: another architecture's weights are an error
        load_weights(runner.model, checkpoint, args.config, runner=runner)
    metrics = runner.test()
    if args.dump_metrics:
        atomic_text(args.dump_metrics, json.dumps(metrics, indent=2))
    if torch_dist.is_initialized():  # a clean exit for torchrun / gloo: the
        torch_dist.barrier()         # runner's DDP wrapper holds the group
        del runner
        gc.collect()
        torch_dist.destroy_process_group()


if __name__ == '__main__':
    run_tool(main)
