"""Find a transform's settings anywhere in a (data loader) config."""
from typing import Any, Optional

from ..registry import SCOPE


def find_transform(cfg: Any, type_name: str) -> Optional[dict]:
    """The first transform config named ``type_name`` (with or without the
    ``dscnet_plugin.`` prefix, or given as the class) anywhere in ``cfg``.

    Args:
        cfg: A config (dicts and lists nested in any way), e.g.
            ``cfg.test_dataloader``.
        type_name: The registered name, e.g. ``'ResampleFeatures'``.

    Returns:
        The transform's config dict, or ``None`` when there is none.
    """
    if isinstance(cfg, dict):
        kind = cfg.get('type')
        kind = getattr(kind, '__name__', kind)
        if kind in (type_name, f'{SCOPE}.{type_name}'):
            return cfg
        children = cfg.values()
    elif isinstance(cfg, (list, tuple)):
        children = cfg
    else:
        return None
    for child in children:
        found = find_transform(child, type_name)
        if found is not None:
            return found
    return None
