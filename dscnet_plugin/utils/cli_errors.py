"""Errors a run finds before it starts, and how the tools report them."""
import functools
from typing import Any, Callable


class SetupError(ValueError):
    """A run cannot start as asked: a bad ``--cfg-options`` key, a work dir
    in use or holding another config's checkpoints, missing or malformed
    inputs. The message says what is wrong and how to go on."""


def exit_on_setup_error(main: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a tool's ``main``: a :class:`SetupError` or a
    :class:`~dscnet_plugin.datasets.errors.DataFileError` ends the process
    with its message on stderr and exit code 1, without a traceback."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        from ..datasets.errors import DataFileError
        try:
            return main(*args, **kwargs)
        except (SetupError, DataFileError) as e:
            raise SystemExit(f'{type(e).__name__}: {e}') from None

    return wrapper
