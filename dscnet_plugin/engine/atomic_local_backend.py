"""A local file backend whose writes are atomic (write aside, then rename)."""
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

from ..utils.atomic_files import atomic_bytes


def atomic_write_bytes(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to a temporary file next to ``filepath``, flush it to
    disk, then rename it onto ``filepath``: a reader (or a run resumed after
    a crash) sees the old file or the complete new one, never a truncated
    one. A failed write (a full disk...) raises
    :class:`~dscnet_plugin.utils.atomic_files.OutputFileError` naming
    ``filepath``."""
    atomic_bytes(str(filepath), data, sync=True)


@register_backend('atomic_local', force=True)
class AtomicLocalBackend(LocalBackend):
    """:class:`mmengine.fileio.LocalBackend` with atomic ``put`` /
    ``put_text``. Give it to the checkpoint hook with
    ``backend_args=dict(backend='atomic_local')``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write_bytes(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write_bytes(obj.encode(encoding), filepath)
