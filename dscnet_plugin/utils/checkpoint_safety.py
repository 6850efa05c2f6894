"""Allow-list of the classes that mmengine checkpoints hold, so they load
with ``torch.load(weights_only=True)`` (the default since torch 2.6).

An mmengine checkpoint carries, besides tensors, the message hub's
``HistoryBuffer`` objects and the numpy arrays and scalars inside them.
Registering exactly these lets ``--resume`` and ``load_from`` work without
``weights_only=False``, which would run arbitrary pickled code from a
downloaded checkpoint.
"""
import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


def _numpy_globals() -> list:
    core = getattr(np, '_core', None) or np.core
    dtype_classes = [cls for cls in vars(np.dtypes).values()
                     if isinstance(cls, type) and issubclass(cls, np.dtype)]
    return [core.multiarray._reconstruct, core.multiarray.scalar, np.ndarray,
            np.dtype, *dtype_classes]


def register_checkpoint_globals() -> None:
    """Add the allow-list to ``torch.serialization`` (idempotent)."""
    # getattr is how numpy pickles name a dtype class; the weights-only
    # unpickler still refuses to call anything outside the allow-list.
    torch.serialization.add_safe_globals([HistoryBuffer, getattr, *_numpy_globals()])
