"""Progress bars for the stages that run outside the Runner's own logging."""
import os
import sys
from typing import Iterable, Iterator, Optional, TypeVar

from mmengine.utils import ProgressBar

T = TypeVar('T')

#: Set by ``--quiet`` (or the environment variable ``DSCNET_QUIET=1``).
_QUIET = {'value': False}


def set_quiet(quiet: bool = True) -> None:
    """Silence (or restore) the progress bars of this process."""
    _QUIET['value'] = quiet


def progress_enabled() -> bool:
    """Bars are drawn on an interactive terminal unless silenced."""
    if _QUIET['value'] or os.environ.get('DSCNET_QUIET', '') not in ('', '0'):
        return False
    return sys.stdout.isatty()


def track(items: Iterable[T], total: Optional[int] = None) -> Iterator[T]:
    """Yield ``items`` while drawing an mmengine progress bar of ``total``
    steps (``len(items)`` by default) when :func:`progress_enabled`."""
    if total is None:
        total = len(items)  # type: ignore[arg-type]
    if not progress_enabled() or total <= 1:
        yield from items
        return
    bar = ProgressBar(total, file=sys.stdout)
    for item in items:
        yield item
        bar.update()
    sys.stdout.write('\n')
