"""Checkpoints written atomically, and a resume that skips broken ones."""
import glob
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from ...registry import HOOKS
from ...utils.atomic_files import TMP_PREFIX
from ..atomic_local_backend import atomic_write_bytes

#: A temporary file of an atomic save of a checkpoint, of ``last_checkpoint``
#: or of the label history: ``.tmp-`` + mkstemp's 8 random characters + name.
_LEFTOVER = re.compile(re.escape(TMP_PREFIX) + r'\w{8}(.+\.pth|last_checkpoint|label_history\.pt)')


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """:class:`mmengine.hooks.CheckpointHook` whose checkpoint files and
    ``last_checkpoint`` pointer are written atomically, so a crash while
    saving leaves the previous checkpoint as the latest one. Takes the same
    arguments (the backend defaults to ``atomic_local``)."""

    def __init__(self, *args, backend_args: Optional[dict] = None, **kwargs) -> None:
        super().__init__(*args, backend_args=backend_args or dict(backend='atomic_local'),
                         **kwargs)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process():
            for folder in dict.fromkeys((runner.work_dir, self.out_dir)):
                remove_leftover_temporaries(folder)

    def _save_checkpoint_with_step(self, runner, step, meta):
        super()._save_checkpoint_with_step(runner, step, meta)
        if is_main_process():  # rewrite the pointer atomically (the parent's write is not)
            atomic_write_bytes(self.last_ckpt.encode(),
                               osp.join(runner.work_dir, 'last_checkpoint'))


def remove_leftover_temporaries(folder: str) -> List[str]:
    """Delete the temporary files that a save killed before its rename left
    in ``folder`` (``.tmp-XXXXXXXXepoch_3.pth``...), logging one line.

    Returns:
        The names removed.
    """
    names = sorted(n for n in os.listdir(folder) if _LEFTOVER.fullmatch(n)) \
        if osp.isdir(folder) else []
    for name in names:
        os.remove(osp.join(folder, name))
    if names:
        print_log(f'removed {len(names)} temporary file(s) left in {folder} by an '
                  f'interrupted save: {", ".join(names)}', logger='current')
    return names


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a complete ``torch.save`` archive (a truncated
    file fails the zip directory check)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def latest_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` should continue from: the one named in
    ``last_checkpoint`` if it is complete, else the newest complete
    ``epoch_*.pth`` / ``iter_*.pth`` of ``work_dir``, else None."""
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8') as f:
            named = f.read().strip()
        if named and osp.isfile(named) and is_complete_checkpoint(named):
            return named
        print_log(f'{pointer} names {named!r}, which is missing or incomplete; '
                  'looking for the newest complete checkpoint', logger='current')

    def step(path: str) -> int:
        match = re.search(r'(\d+)\.pth$', path)
        return int(match.group(1)) if match else -1

    candidates = sorted(glob.glob(osp.join(work_dir, '*.pth')), key=step, reverse=True)
    return next((p for p in candidates if is_complete_checkpoint(p)), None)
