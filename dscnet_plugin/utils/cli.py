"""How the ``tools/`` scripts end on a bad file: its message, no traceback."""
import re
from typing import Callable, Optional, TypeVar

from ..datasets.errors import DataFileError
from .atomic_files import OutputFileError
from .cli_errors import SetupError

T = TypeVar('T')

#: The last line of a traceback that a DataLoader worker re-raised as
#: ``RuntimeError`` (a DataFileError takes more than one argument, so torch
#: cannot rebuild it): ``dscnet_plugin.datasets.errors.FeatureError: <message>``.
_WORKER_ERROR = re.compile(r'^(?:[\w.]+\.)?(\w+Error): (.+)$')


def _from_worker(err: RuntimeError) -> Optional[str]:
    """The message of a package error raised in a DataLoader worker."""
    text = str(err)
    if not text.startswith('Caught ') or 'DataLoader worker' not in text.splitlines()[0]:
        return None
    found = _WORKER_ERROR.match(text.rstrip().splitlines()[-1])
    names = {DataFileError.__name__}
    pending = [DataFileError]
    while pending:
        for sub in pending.pop().__subclasses__():
            names.add(sub.__name__)
            pending.append(sub)
    return found.group(2) if found and found.group(1) in names else None


def run_tool(main: Callable[[], T]) -> T:
    """Run a tool's ``main``; a :class:`~dscnet_plugin.datasets.DataFileError`
    (bad input file, refused or mismatching checkpoint), an
    :class:`~dscnet_plugin.utils.atomic_files.OutputFileError` (a full
    disk...), a :class:`~dscnet_plugin.utils.cli_errors.SetupError` (a
    ``--cfg-options`` key nothing reads, a work dir in use or holding another
    config's run, inputs found missing before the run) or a
    ``FileNotFoundError`` ends the process with
    ``error: <message>`` on stderr and exit status 1, without a traceback."""
    try:
        return main()
    except (DataFileError, OutputFileError, SetupError, FileNotFoundError) as e:
        raise SystemExit(f'error: {e}') from None
    except RuntimeError as e:
        message = _from_worker(e)
        if message is None:
            raise
        raise SystemExit(f'error: {message}') from None
