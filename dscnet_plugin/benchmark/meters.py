"""Wall time, peak memory and device name of a speed measurement."""
import resource
import sys
import time
from typing import Callable

import torch

#: Bytes per MiB.
MB = 2.0 ** 20


def device_name(device: torch.device) -> str:
    """The GPU's name on CUDA, else ``'cpu'``."""
    return torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'


def timed(fn: Callable[[], object], device: torch.device) -> float:
    """Seconds of one call of ``fn`` (after the device has caught up)."""
    if device.type == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device.type == 'cuda':
        torch.cuda.synchronize()
    return time.perf_counter() - start


def max_rss_mb() -> float:
    """Peak RSS of this process so far (MiB; ``ru_maxrss`` is KiB on Linux,
    bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / MB if sys.platform == 'darwin' else rss / 1024.0
