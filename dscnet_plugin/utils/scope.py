"""Build components with the ``dscnet_plugin`` scope pinned."""
from typing import Any, Optional, Union

from mmengine.registry import DefaultScope, Registry

from ..registry import SCOPE


def build_pinned(registry: Registry, cfg: Union[dict, Any], **default_args) -> Any:
    """Build ``cfg`` from ``registry`` with the ``dscnet_plugin`` scope active.

    Library code builds its sub-components through this function, so a model
    configured from a foreign default scope (``mmaction``, ``mmengine``...)
    still finds the plugin's types. Objects that are already built pass
    through unchanged. A ``scope.Type`` name still reaches another package.

    Args:
        registry: Registry to build from.
        cfg: Config dict with a ``type`` key, or an already built object.
        **default_args: Default arguments forwarded to ``registry.build``.

    Returns:
        The built object.
    """
    if not isinstance(cfg, dict):
        return cfg
    with DefaultScope.overwrite_default_scope(SCOPE):
        return registry.build(cfg, default_args=default_args or None)


def build_optional(registry: Registry, cfg: Optional[Union[dict, Any]],
                   **default_args) -> Any:
    """Like :func:`build_pinned`, but ``None`` stays ``None``."""
    if cfg is None:
        return None
    return build_pinned(registry, cfg, **default_args)
