"""Atomic file writes: readers never see a half-written file, and a failed
write (a full disk...) is an error naming the file."""
import contextlib
import os
import os.path as osp
import tempfile
from typing import Callable, Iterator

#: Prefix of the temporary file an atomic write renames onto its target
#: (``.tmp-XXXXXXXX<target name>``); a killed write may leave one behind.
TMP_PREFIX = '.tmp-'


class OutputFileError(OSError):
    """An output file could not be written: ``'<reason> while writing
    <path>'``, e.g. ``no space left on device while writing
    work_dirs/x/epoch_3.pth``. ``errno`` and ``path`` are those of the
    failed write."""

    def __init__(self, path: str, err: OSError) -> None:
        reason = err.strerror or str(err) or type(err).__name__
        super().__init__(f'{reason[:1].lower()}{reason[1:]} while writing {path}')
        self.errno, self.path = err.errno, str(path)


@contextlib.contextmanager
def writing(path: str) -> Iterator[None]:
    """Turn an ``OSError`` raised inside the block into an
    :class:`OutputFileError` naming ``path`` (no chained traceback)."""
    try:
        yield
    except OutputFileError:
        raise
    except OSError as e:
        raise OutputFileError(path, e) from None


def atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Write through ``write(tmp_path)`` then rename onto ``path``, so a
    concurrent reader never sees a half-written file.

    Raises:
        OutputFileError: the folder, the temporary file or the rename
            failed (disk full, no permission...), naming ``path``.
    """
    folder = osp.dirname(osp.abspath(path))
    with writing(path):
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=TMP_PREFIX, suffix=osp.basename(path))
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        try:
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600 files
            write(tmp)
            os.replace(tmp, path)
        finally:
            if osp.exists(tmp):
                os.remove(tmp)


def atomic_bytes(path: str, data: bytes, sync: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (``sync``: flushed to disk
    before the rename, so a crash leaves the old file or the new one)."""
    def write(tmp: str) -> None:
        with open(tmp, 'wb') as f:
            f.write(data)
            if sync:
                f.flush()
                os.fsync(f.fileno())
    atomic_write(path, write)


def atomic_text(path: str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_bytes(path, text.encode('utf-8'))


def atomic_npz(path: str, **arrays) -> None:
    """``np.savez`` the named ``arrays`` to ``path`` atomically (written to a
    file object, so numpy adds no ``.npz`` suffix to the temporary name)."""
    import numpy as np

    def write(tmp: str) -> None:
        with open(tmp, 'wb') as f:
            np.savez(f, **arrays)
    atomic_write(path, write)
