"""What ``tools/train.py`` checks before the Runner is built."""
import contextlib
import os
from typing import Iterator

from mmengine.config import Config
from torch import distributed as torch_dist

from ..utils.early_log import collect_early_records
from .input_check import TRAIN_SECTIONS, check_inputs
from .work_dir_guard import check_work_dir_config
from .work_dir_lock import WorkDirLock

#: Environment variables holding a process's global rank, per launcher.
_RANK_VARS = ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK', 'PMI_RANK')


def launch_rank(cfg: Config) -> int:
    """This process's global rank, also before the process group exists
    (from the launcher's environment); 0 without a launcher."""
    if torch_dist.is_available() and torch_dist.is_initialized():
        return torch_dist.get_rank()
    if cfg.get('launcher', 'none') == 'none':
        return 0
    for var in _RANK_VARS:
        if os.environ.get(var, '').isdigit():
            return int(os.environ[var])
    return 0


@contextlib.contextmanager
def guarded_training(cfg: Config) -> Iterator[None]:
    """Hold the work dir for a training of ``cfg`` and check it may start.

    On rank 0 (the only process that writes the work dir), in this order:
    lock the work dir (:class:`~dscnet_plugin.engine.work_dir_lock.WorkDirLock`,
    released when the block ends), refuse another config's checkpoints there
    (:func:`~dscnet_plugin.engine.work_dir_guard.check_work_dir_config`) and
    check every input (:func:`~dscnet_plugin.engine.input_check.check_inputs`).
    What these checks log is also written at the top of the Runner's log file
    (:mod:`dscnet_plugin.utils.early_log`).
    The other ranks only wait for rank 0: if it fails, the launcher ends them.

    Raises:
        SetupError: the first check that fails (a ``WorkDirError`` or an
            ``InputCheckError``).
    """
    if launch_rank(cfg) != 0:
        yield
        return
    with WorkDirLock(cfg.work_dir):
        with collect_early_records():  # for the top of the Runner's log file
            check_work_dir_config(cfg)
            check_inputs(cfg, TRAIN_SECTIONS)
        yield
