"""Atomic file writes: readers never see a half-written file."""
import os
import os.path as osp
import tempfile
from typing import Callable


def atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Write through ``write(tmp_path)`` then rename onto ``path``, so a
    concurrent reader never sees a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=osp.dirname(path), prefix='.tmp-',
                               suffix=osp.basename(path))
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


def atomic_text(path: str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    def write(tmp: str) -> None:
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(text)
    atomic_write(path, write)
