"""Train a grounding model with mmengine.

Example::

    python tools/train.py configs/dscnet_demo.py --work-dir work_dirs/demo
"""
import argparse
import gc
import os

from mmengine.config import Config
from mmengine.logging import print_log
from torch import distributed as torch_dist

from dscnet_plugin.engine import build_runner, guarded_training, latest_complete_checkpoint
from dscnet_plugin.utils import (apply_cli_options, OptionsAction, prepare_cpu_distributed,
                                 register_all_modules, run_tool, set_quiet)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a grounding model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='directory of logs and checkpoints')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from the given checkpoint, or from the '
                        'latest one in the work dir when no path is given')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic mixed precision training')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip validation during training')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic algorithms (slower)')
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
    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        assert optim_wrapper in ('OptimWrapper', 'AmpOptimWrapper'), \
            '--amp needs an OptimWrapper / AmpOptimWrapper config'
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        # the newest *complete* checkpoint (mmengine would take last_checkpoint blindly)
        latest = latest_complete_checkpoint(cfg.work_dir)
        cfg.resume, cfg.load_from = latest is not None, latest
        if latest is None:
            print_log(f'no checkpoint in {cfg.work_dir}: starting from scratch',
                      logger='current')
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.seed is not None or args.deterministic:
        randomness = cfg.get('randomness', dict())
        if args.seed is not None:
            randomness['seed'] = args.seed
        randomness['deterministic'] = args.deterministic or randomness.get('deterministic', False)
        cfg.randomness = randomness
    return cfg


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    set_quiet(args.quiet)
    cfg = merge_args(Config.fromfile(args.config), args)
    with guarded_training(cfg):  # work-dir lock, other runs' checkpoints, inputs
        runner = build_runner(prepare_cpu_distributed(cfg))
        runner.train()
    if torch_dist.is_initialized():  # a clean exit for torchrun / gloo: the
        torch_dist.barrier()         # runner's DDP wrapper holds the group
        del runner
        gc.collect()
        torch_dist.destroy_process_group()


if __name__ == '__main__':
    run_tool(main)
