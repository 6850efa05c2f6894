"""The one way the plugin reads ``torch.save`` files: checkpoints, ``.pt``
features and frames, the label history.

``torch.load(weights_only=True)`` rebuilds only tensors, containers and the
globals on torch's allow-list. An mmengine checkpoint holds a few more: the
message hub's ``HistoryBuffer`` objects, the numpy arrays and scalars inside
them, and ``getattr(HistoryBuffer, 'min' | 'max' | 'current' | 'mean')``
(pickle protocol 2 names the buffer's unbound statistics methods that way).
:func:`register_checkpoint_globals` allows exactly these. Plain ``getattr``
is never allowed -- with it, ``getattr(getattr, '__self__')`` is the
``builtins`` module and a pickle reaches ``eval`` -- so the name
``builtins.getattr`` is bound to :func:`_statistics_getattr`, a stand-in that
looks up nothing but a ``HistoryBuffer`` statistic and raises
``pickle.UnpicklingError`` otherwise (torch looks globals up by that name).
Any plain ``getattr`` entry that other code registered is removed.

:func:`safe_torch_load` is the loader every reader of the package calls: a
missing, empty, truncated or refused file raises one
:class:`~dscnet_plugin.datasets.CheckpointError` (or the reader's own
subclass of :class:`~dscnet_plugin.datasets.DataFileError`) naming the file
and what is wrong, with no torch traceback chained.

mmengine's Runner (``load_from``, ``resume``), ``mmengine.runner.
load_checkpoint`` and ``_load_checkpoint`` read local files through
``CheckpointLoader``'s scheme ``''``; :func:`install_safe_loading` (run when
the package is imported) binds that scheme to :func:`load_from_safe_local`,
so they go through :func:`safe_torch_load` too. Other schemes (``http://``,
``open-mmlab://``, ...) keep mmengine's loaders, which download files that
torch then loads with its own default, ``weights_only=True``.
"""
import os
import os.path as osp
import pickle
import re
import warnings
from typing import Any, Optional, Type, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from ..datasets.errors import CheckpointError, DataFileError, UnsafeFileError

#: The torch name that pickles of ``getattr`` refer to (protocol 2 writes
#: ``__builtin__``, which torch maps to ``builtins``).
GETATTR_NAME = 'builtins.getattr'
#: The attributes the stand-in of ``getattr`` may look up: the statistics
#: ``HistoryBuffer`` registers for itself (``_set_default_statistics``).
HISTORY_STATISTICS = frozenset(('min', 'max', 'current', 'mean'))
#: Marks the stand-in's refusals inside torch's wrapped error message.
_REFUSAL = 'getattr refused: '


def _statistics_getattr(obj: Any, name: Any) -> Any:
    """``getattr`` limited to ``HistoryBuffer``'s statistics methods."""
    if obj is HistoryBuffer and isinstance(name, str) and name in HISTORY_STATISTICS:
        return getattr(HistoryBuffer, name)
    label = 'getattr' if obj is _statistics_getattr else getattr(
        obj, '__qualname__', type(obj).__name__)
    raise pickle.UnpicklingError(f'{_REFUSAL}getattr({label}, {name!r})')


def _numpy_globals() -> list:
    """numpy's array / scalar rebuilders under both module names (numpy 1
    pickles ``numpy.core``, numpy 2 ``numpy._core``), ``ndarray``, ``dtype``
    and the dtype classes (a rebuilt dtype's state is set on an instance of
    its class, e.g. ``numpy.dtypes.Float64DType``)."""
    core = getattr(np, '_core', None) or np.core
    named = [(getattr(core.multiarray, f), f'{module}.multiarray.{f}')
             for f in ('_reconstruct', 'scalar') for module in ('numpy.core', 'numpy._core')]
    dtype_classes = [cls for cls in vars(np.dtypes).values()
                     if isinstance(cls, type) and issubclass(cls, np.dtype)]
    return [np.ndarray, np.dtype, *dtype_classes, *named]


def _is_plain_getattr(entry: Any) -> bool:
    if isinstance(entry, tuple):
        return entry[0] is getattr or (entry[1] == GETATTR_NAME
                                       and entry[0] is not _statistics_getattr)
    return entry is getattr


def register_checkpoint_globals() -> None:
    """Allow what genuine mmengine checkpoints hold, and remove any plain
    ``getattr`` from torch's safe globals (idempotent, cheap)."""
    current = torch.serialization.get_safe_globals()
    unsafe = [g for g in current if _is_plain_getattr(g)]
    if unsafe:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals([g for g in current if g not in unsafe])
    torch.serialization.add_safe_globals(
        [HistoryBuffer, (_statistics_getattr, GETATTR_NAME), *_numpy_globals()])


#: torch's refusals of a weights-only load, and how a message names them.
_TORCH_REFUSALS = ((r'GLOBAL (\S+) whose module \S+ is blocked', 'the global {}'),
                   (r'GLOBAL (\S+) was not an allowed global', 'the global {}'),
                   (r'unrecognized function (.+?)(?: which belongs|$)', 'a call of {}'),
                   (r'allowlisted via `add_safe_globals`,? but got (.+)$', 'an object of {}'))


def _refusal(message: str) -> Optional[str]:
    """What a weights-only refusal names (``getattr(obj, 'name')``, the
    global ``module.name``...); ``None`` when the message is no refusal."""
    found = re.search(re.escape(_REFUSAL) + r'(.+)', message)
    if found:
        return found.group(1)
    for pattern, template in _TORCH_REFUSALS:
        found = re.search(pattern, message, re.M)
        if found:
            return template.format(found.group(1))
    return None


def _detail(err: BaseException) -> str:
    """The first line of torch's own reason, without the advice torch wraps
    around a weights-only failure."""
    parts = [p.strip() for p in str(err).split('\n\n') if p.strip()]
    own = [p for p in parts if not p.startswith(('Weights only load failed',
                                                  'Check the documentation'))]
    return (own or parts or [type(err).__name__])[0].splitlines()[0]


def safe_torch_load(path: Union[str, os.PathLike], what: str = 'checkpoint',
                    map_location: Any = 'cpu', error: Type[DataFileError] = CheckpointError,
                    where: Optional[str] = None) -> Any:
    """``torch.load(path, weights_only=True)`` with the checkpoint globals
    allowed, and a clear error for a file that cannot be used.

    Args:
        path: The file.
        what: What the file is, for messages (``'checkpoint'``,
            ``'feature file'``, ``'label history'``...).
        map_location: As for :func:`torch.load`.
        error: The error type raised (a refused file raises
            :class:`UnsafeFileError` when ``error`` is
            :class:`CheckpointError`).
        where: The video id (or line) the error names, if any.

    Returns:
        The loaded object.

    Raises:
        CheckpointError: (or ``error``) naming ``path``: not found, empty
            (0 bytes), truncated or corrupt, not written by ``torch.save``,
            or refused because it holds objects no genuine file holds
            (``UnsafeFileError``).
    """
    path = os.fspath(path)
    register_checkpoint_globals()  # undo any plain getattr added since import
    if osp.isdir(path):
        raise error(path, f'a directory, not a {what}', where)
    if not osp.isfile(path):
        raise error(path, f'{what} not found', where)
    if osp.getsize(path) == 0:
        raise error(path, f'empty file (0 bytes), not a {what}', where)
    try:
        with warnings.catch_warnings():  # torch's note on a foreign pickle protocol
            warnings.filterwarnings('ignore', message='Detected pickle protocol')
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        refused = _refusal(str(e))
        if refused is not None:
            refuse = UnsafeFileError if error is CheckpointError else error
            raise refuse(path, f'{what} refused: {refused} is not allowed in a {what} '
                         '(the file may be crafted to run code)', where) from None
        reason = f'not a {what} written by torch.save ({_detail(e)})'
    except RuntimeError as e:
        reason = (f'truncated or corrupt {what} (not a complete torch archive)'
                  if 'PytorchStreamReader' in str(e) else
                  f'not a {what} written by torch.save ({_detail(e)})')
    except OSError as e:
        reason = f'cannot be read ({e.strerror or _detail(e)})'
    except (EOFError, ValueError, TypeError, AttributeError, LookupError):
        reason = f'not a {what} written by torch.save'
    raise error(path, reason, where) from None


def load_from_safe_local(filename: str, map_location: Any = None) -> Any:
    """mmengine's local checkpoint scheme, through :func:`safe_torch_load`
    (``CheckpointLoader`` logs the name after ``load_from_``: ``safe_local``)."""
    return safe_torch_load(osp.expanduser(filename), map_location=map_location)


def install_safe_loading() -> None:
    """Register the checkpoint globals and route mmengine's local checkpoint
    loads through :func:`safe_torch_load` (idempotent)."""
    register_checkpoint_globals()
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_safe_local, force=True)
