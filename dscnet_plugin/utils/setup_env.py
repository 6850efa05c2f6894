"""Register every module of the plugin and set the default scope."""
import datetime
import warnings

from mmengine import DefaultScope

from ..registry import SCOPE


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every registering module of dscnet_plugin.

    Args:
        init_default_scope: Whether to make ``dscnet_plugin`` the default
            scope. When another default scope is active, a new scope instance
            named with a timestamp is created so the global one is not
            overwritten.
    """
    import dscnet_plugin.apis  # noqa: F401
    import dscnet_plugin.datasets  # noqa: F401
    import dscnet_plugin.engine  # noqa: F401
    import dscnet_plugin.evaluation  # noqa: F401
    import dscnet_plugin.models  # noqa: F401
    import dscnet_plugin.visualization  # noqa: F401
    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    never_created = current is None or not DefaultScope.check_instance_created(SCOPE)
    if never_created:
        DefaultScope.get_instance(SCOPE, scope_name=SCOPE)
        return
    if current.scope_name != SCOPE:
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      f'not "{SCOPE}"; register_all_modules forces it to '
                      f'"{SCOPE}".')
        stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S-%f')
        DefaultScope.get_instance(f'{SCOPE}-{stamp}', scope_name=SCOPE)
