"""A probe hook for the ``tools/train.py`` subprocess runs of
``tests/engine/test_distributed.py``.

A dumped config imports this module through ``custom_imports`` (the test
puts the repository root on ``PYTHONPATH``) and adds
``dict(type='DistBankProbe')`` to its ``custom_hooks``. Each process of the
run then writes, into the work dir:

- ``bank_rank{rank}_epoch{epoch}.pt`` after every (1-based) train epoch,
  once the relabelling of that epoch is done: ``dict(pseudo_labels=...,
  centers=...)`` of the model (inside its DDP wrapper);
- ``batches_rank{rank}.json``: per epoch, the ``video_index`` list of every
  train batch this rank saw;
- ``val_rank{rank}.json``: the metrics of the last validation;
- ``exit_rank{rank}.json`` at interpreter exit (an ``atexit`` handler,
  registered when this module is imported, i.e. while the tool reads its
  config: it runs after the tool's ``main()`` returned and after any
  ``atexit`` handler registered later, e.g. by the tool's distributed
  set-up): ``{"initialized": ..., "gloo_threads": [...]}``, whether the
  default process group was still registered then and the names of the
  gloo threads (``pt_gloo_runloop``, ``gloo_tcp_loop``) still running. The
  probe only looks: it leaves the process group alone.
"""
import atexit
import glob
import json
import os.path as osp

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from dscnet_plugin.registry import HOOKS

#: The work dir and rank of this process's run (set by the probe).
_WORK_DIR, _RANK = None, None


def native_threads() -> list:
    """Names of this process's threads (``/proc``; ``[]`` elsewhere)."""
    names = []
    for comm in glob.glob('/proc/self/task/*/comm'):
        try:
            with open(comm) as f:
                names.append(f.read().strip())
        except OSError:  # the thread ended meanwhile
            pass
    return names


def _at_exit() -> None:
    import torch.distributed as torch_dist
    if _WORK_DIR is None:  # no probe ran in this process (e.g. pytest itself)
        return
    initialized = torch_dist.is_available() and torch_dist.is_initialized()
    gloo_threads = sorted(n for n in native_threads() if 'gloo' in n)
    with open(osp.join(_WORK_DIR, f'exit_rank{_RANK}.json'), 'w') as f:
        json.dump(dict(initialized=initialized, gloo_threads=gloo_threads), f)


atexit.register(_at_exit)


@HOOKS.register_module()
class DistBankProbe(Hook):
    """Saves each rank's label bank, centres and train batches after every
    train epoch, and its validation metrics (priority ``'LOWEST'``: after
    the :class:`~dscnet_plugin.engine.IterativeRelabelHook` relabelled)."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.batches = []

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _path(self, runner, name: str) -> str:
        return osp.join(runner.work_dir, name.format(rank=runner.rank))

    def before_run(self, runner) -> None:
        global _WORK_DIR, _RANK
        _WORK_DIR, _RANK = runner.work_dir, runner.rank

    def before_train_epoch(self, runner) -> None:
        self.batches.append([])

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self.batches[-1].append([int(s.metainfo['video_index'])
                                 for s in data_batch['data_samples']])

    def after_train_epoch(self, runner) -> None:
        model = self._model(runner)
        state = dict(pseudo_labels=model.pseudo_labels.detach().cpu().clone(),
                     centers=model.centers.detach().cpu().clone())
        torch.save(state, self._path(runner, f'bank_rank{{rank}}_epoch{runner.epoch + 1}.pt'))
        with open(self._path(runner, 'batches_rank{rank}.json'), 'w') as f:
            json.dump(self.batches, f)

    def after_val_epoch(self, runner, metrics=None) -> None:
        metrics = {k: float(v) for k, v in (metrics or {}).items()
                   if isinstance(v, (int, float))}
        with open(self._path(runner, 'val_rank{rank}.json'), 'w') as f:
            json.dump(metrics, f)
