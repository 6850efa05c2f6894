"""Load a checkpoint's weights into a model strictly: a checkpoint of
another architecture is an error naming both files, not warnings."""
import re
from collections import OrderedDict
from typing import Any, List, Optional

import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import _load_checkpoint

from ..datasets.errors import CheckpointError

#: How many mismatching keys an error lists (of each kind).
SHOWN = 3


def _listed(items: List[str]) -> str:
    more = f' and {len(items) - SHOWN} more' if len(items) > SHOWN else ''
    return ', '.join(items[:SHOWN]) + more


def _shape(value: Any) -> str:
    return str(tuple(getattr(value, 'shape', ())))


def apply_state_dict(model: nn.Module, checkpoint: Any, checkpoint_file: str,
                     config: Optional[str] = None) -> None:
    """Copy ``checkpoint['state_dict']`` (or ``checkpoint`` itself) into
    ``model``, requiring the same keys and shapes.

    Modules resize their own variable-size buffers first, as in
    :meth:`torch.nn.Module.load_state_dict` (``DSCNet``'s label bank takes
    the checkpoint's number of videos); ``module.`` prefixes of wrapped
    models are stripped; BatchNorm's ``num_batches_tracked`` may be missing.

    Args:
        model: The model (a wrapper is unwrapped).
        checkpoint: The loaded checkpoint.
        checkpoint_file: Its path, named in the error.
        config: The config the model was built from, named in the error.

    Raises:
        CheckpointError: ``'<checkpoint>: does not fit the model of
            <config> (...): size mismatch for <key> (checkpoint <shape>,
            model <shape>), ...; missing in the checkpoint: ...; not in the
            model: ...'``, listing the first keys of each kind.
    """
    if is_model_wrapper(model):
        model = model.module
    if not isinstance(checkpoint, dict):
        raise CheckpointError(checkpoint_file, f'holds a {type(checkpoint).__name__}, not a '
                              'checkpoint dict')
    state = checkpoint.get('state_dict', checkpoint)
    metadata = getattr(state, '_metadata', None)
    state = OrderedDict((re.sub(r'^module\.', '', k), v) for k, v in state.items())
    missing: List[str] = []
    unexpected: List[str] = []
    errors: List[str] = []
    for prefix, module in model.named_modules(remove_duplicate=False):
        prefix = f'{prefix}.' if prefix else ''
        local = {k: v for k, v in state.items() if k.startswith(prefix)}
        meta = {} if metadata is None else metadata.get(prefix[:-1], {})
        module._load_from_state_dict(local, prefix, meta, True, missing, unexpected, errors)
    missing = [k for k in missing if not k.endswith('num_batches_tracked')]
    own = model.state_dict()
    sizes = [f'{k} (checkpoint {_shape(v)}, model {_shape(own[k])})'
             for k, v in state.items() if k in own and _shape(v) != _shape(own[k])]
    parts = ([f'size mismatch for {_listed(sizes)}'] if sizes else
             [errors[0].splitlines()[0]] if errors else [])
    if missing:
        parts.append(f'missing in the checkpoint: {_listed(missing)}')
    if unexpected:
        parts.append(f'not in the model: {_listed(unexpected)}')
    if parts:
        config = config or 'the given config'
        raise CheckpointError(checkpoint_file, f'does not fit the model of {config} (a '
                              f'checkpoint of another architecture?): {"; ".join(parts)}')


def load_weights(model: nn.Module, checkpoint_file: str, config: Optional[str] = None,
                 runner: Any = None) -> dict:
    """Read ``checkpoint_file`` (local files through the safe loader, see
    :mod:`dscnet_plugin.utils.safe_load`) and load it strictly into
    ``model`` (see :func:`apply_state_dict`).

    Args:
        model: The model.
        checkpoint_file: Path (or URL) of the checkpoint.
        config: The config file of the model, named in errors.
        runner: An mmengine Runner whose hooks get ``after_load_checkpoint``
            before the weights are applied (as ``Runner.load_checkpoint``).

    Returns:
        The loaded checkpoint.
    """
    checkpoint = _load_checkpoint(checkpoint_file, map_location='cpu', logger='current')
    if runner is not None:
        runner.call_hook('after_load_checkpoint', checkpoint=checkpoint)
    apply_state_dict(model, checkpoint, checkpoint_file, config)
    return checkpoint


def has_weights(model: nn.Module) -> bool:
    """Whether ``model`` has anything a checkpoint would hold (parameters or
    buffers); a training-free model such as ``ZeroShotVLMGrounder`` has none."""
    if is_model_wrapper(model):
        model = model.module
    return len(model.state_dict()) > 0
