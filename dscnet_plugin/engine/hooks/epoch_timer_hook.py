"""Wall time of every training epoch (without the relabelling after it)."""
import time
from typing import List, Optional

import torch
from mmengine.hooks import Hook

from ...registry import HOOKS


def sync_cuda() -> None:
    """Wait for the queued CUDA work, so that a timing ends when the device is done."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()


@HOOKS.register_module()
class EpochTimerHook(Hook):
    """Records the wall seconds of each training epoch: from the first
    ``before_train_epoch`` hook to the first ``after_train_epoch`` hook
    (priority ``'VERY_HIGH'``: the relabelling that
    :class:`IterativeRelabelHook` does after an epoch is not counted; CUDA
    is synchronised at both ends).

    Attributes:
        epoch_seconds: One entry per finished epoch.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self.epoch_seconds: List[float] = []
        self._start: Optional[float] = None

    def before_train_epoch(self, runner) -> None:
        sync_cuda()
        self._start = time.perf_counter()

    def after_train_epoch(self, runner) -> None:
        sync_cuda()
        if self._start is not None:
            self.epoch_seconds.append(time.perf_counter() - self._start)
