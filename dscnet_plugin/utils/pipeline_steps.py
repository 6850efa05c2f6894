"""Pipelines given as named steps.

A dataset's ``pipeline`` may be a list of transform configs (OpenMMLab's
usual form) or a dict of named steps with their ``order``. Named steps let
configs inherit a pipeline and set only its values, because mmengine merges
dicts (lists are replaced)::

    # unpaired_training.py
    pipeline=dict(order=['load', 'resample', 'pack'],
                  load=dict(type='LoadVideoFeatures'),
                  resample=dict(type='ResampleFeatures'),
                  pack=dict(type='PackGroundingInputs'))
    # a dataset base inheriting it
    pipeline=dict(load=dict(reader=video_features), resample=dict(num_frames=128))

The order is a list because mmengine writes a config's dict keys sorted
(``Config.dump``, the copy in every work dir): the keys' own order does not
survive. A step set to ``None`` is left out
(``--cfg-options train_dataloader.dataset.pipeline.resample=None``); a step
is added by naming it in a new ``order``.
"""
from typing import Callable, List, Mapping, Sequence, Union

Step = Union[dict, Callable]
#: the key of a named-step pipeline that lists its steps in order
ORDER_KEY = 'order'


def pipeline_steps(pipeline: Union[Sequence[Step], Mapping[str, Step], None]) -> List[Step]:
    """The transforms of ``pipeline``, in order.

    Args:
        pipeline: A list of transform configs or callables, a dict of named
            steps with an ``order`` list of their names (``None`` steps left
            out), or ``None``.

    Returns:
        The steps as a list.

    Raises:
        TypeError: ``pipeline`` is neither; a named pipeline has no
            ``order``, or names a step it does not hold, or holds one its
            order does not name (e.g. a value set under a misspelt name);
            or a step is neither a transform config with a ``type`` nor a
            callable.
    """
    if pipeline is None:
        return []
    if isinstance(pipeline, (list, tuple)):
        return list(pipeline)
    if not isinstance(pipeline, Mapping):
        raise TypeError('a pipeline is a list of transforms or a dict of named steps, '
                        f'not a {type(pipeline).__name__}')
    order = pipeline.get(ORDER_KEY)
    names = [k for k in pipeline if k != ORDER_KEY]
    if not isinstance(order, (list, tuple)) or not all(isinstance(n, str) for n in order):
        raise TypeError(f'a pipeline of named steps ({", ".join(names)}) needs '
                        f'{ORDER_KEY}=[...], the list of their names in the order they run')
    missing = [n for n in order if n not in pipeline]
    unordered = [n for n in names if n not in order]
    if missing or unordered:
        raise TypeError(f'pipeline {ORDER_KEY} {list(order)}: '
                        + '; '.join(filter(None, [
                            missing and f'no step named {", ".join(map(repr, missing))}',
                            unordered and f'step {", ".join(map(repr, unordered))} is not in '
                            'the order (misspelt, or add it to the order)'])))
    steps = []
    for name in order:
        step = pipeline[name]
        if step is None:
            continue
        if not callable(step) and not (isinstance(step, Mapping) and 'type' in step):
            raise TypeError(f'pipeline step {name!r} is {step!r}: neither a transform config '
                            'with a type nor a callable')
        steps.append(step)
    return steps
