"""One training per work dir: an advisory lock file holding the pid."""
import errno
import fcntl
import os
import os.path as osp
import socket
from typing import Optional

from mmengine.logging import print_log

from ..utils import SetupError

#: Name of the lock file inside the work dir.
LOCK_NAME = '.lock'


class WorkDirError(SetupError):
    """The work dir cannot be used by this run (in use, or holding another
    config's checkpoints)."""


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _owner(text: str) -> str:
    """``'pid 123 on host'`` of a lock file's text (``'pid ?'`` when empty)."""
    fields = text.split()
    pid = fields[0] if fields else '?'
    return f'pid {pid}' + (f' on {fields[1]}' if len(fields) > 1 else '')


class WorkDirLock:
    """An exclusive ``fcntl.flock`` on ``<work_dir>/.lock``, which holds
    ``"<pid> <host>"`` of the holder while it runs.

    The kernel drops the lock when its process ends, however it ends; the
    file is emptied on :meth:`release` and left in place (removing it would
    let two processes lock two different files). A file still naming a
    process, found unlocked, is the lock of a run that was killed: it is
    taken over with one log line.

    Args:
        work_dir: The run's work dir (created if missing).

    Example::

        with WorkDirLock(cfg.work_dir):
            runner.train()
    """

    def __init__(self, work_dir: str) -> None:
        self.work_dir = work_dir
        self.path = osp.join(work_dir, LOCK_NAME)
        self._fd: Optional[int] = None

    def acquire(self) -> 'WorkDirLock':
        """Take the lock.

        Raises:
            WorkDirError: another process holds it (its pid is named).
        """
        os.makedirs(self.work_dir, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = os.pread(fd, 256, 0).decode('utf-8', 'replace')
            os.close(fd)
            if e.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise WorkDirError(f'{self.path}: cannot lock the work dir: {e}') from None
            raise WorkDirError(
                f'{self.work_dir} is in use by another training ({_owner(holder)}, lock '
                f'file {self.path}); wait for it to end, or pass another --work-dir'
            ) from None
        previous = os.pread(fd, 256, 0).decode('utf-8', 'replace').split()
        if previous and previous[0] != str(os.getpid()):
            pid = int(previous[0]) if previous[0].isdigit() else None
            state = ('ended' if pid is None or not _process_alive(pid)
                     else 'still running but not holding it')
            print_log(f'{self.path}: taking over the lock of {_owner(" ".join(previous))}, '
                      f'which is {state} (an interrupted run)', logger='current')
        os.ftruncate(fd, 0)
        os.pwrite(fd, f'{os.getpid()} {socket.gethostname()}\n'.encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        """Empty the lock file and drop the lock (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            # unlock explicitly: forked dataloader workers share the descriptor
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> 'WorkDirLock':
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
