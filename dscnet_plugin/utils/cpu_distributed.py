"""Let mmengine's distributed launchers run on machines without CUDA."""
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log


def prepare_cpu_distributed(cfg: Config) -> Config:
    """Adapt ``cfg`` so ``--launcher pytorch`` trains on CPUs (gloo).

    mmengine's pytorch launcher calls ``torch.cuda.set_device`` and wraps the
    model with ``device_ids=[LOCAL_RANK]``, both of which fail without CUDA.
    On a CPU-only machine this starts the gloo process group itself (mmengine
    then skips its own initialisation) and wraps the model with
    ``device_ids=None``, as DistributedDataParallel wants for CPU modules.
    Nothing changes when CUDA is available or the launcher is ``'none'``.

    Args:
        cfg: The config after the command-line options were applied.

    Returns:
        ``cfg``, changed in place.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return cfg
    env_cfg = cfg.setdefault('env_cfg', {})
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if not torch_dist.is_initialized():
        if cfg.launcher != 'pytorch':
            raise RuntimeError(f'launcher {cfg.launcher!r} needs CUDA; use --launcher '
                               'pytorch (torchrun) on CPUs')
        torch_dist.init_process_group('gloo', rank=int(os.environ['RANK']),
                                      world_size=int(os.environ['WORLD_SIZE']))
        print_log(f'CPU distributed training: gloo, rank {torch_dist.get_rank()} of '
                  f'{torch_dist.get_world_size()}', logger='current')
    return cfg
