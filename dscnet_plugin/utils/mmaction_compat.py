"""Import ``mmaction.models`` from the mmaction2 1.2.0 wheel, which lacks DRN.

The PyPI wheel of mmaction2 1.2.0 ships without the subpackage
``mmaction/models/localizers/drn`` that ``mmaction/models/localizers/
__init__.py`` imports (``from .drn.drn import DRN``), so ``import
mmaction.models`` -- and with it ``mmaction.utils.register_all_modules()``
and every lazy import of mmaction's registries -- fails with
``ModuleNotFoundError: No module named 'mmaction.models.localizers.drn'``.

:func:`import_mmaction_models` imports ``mmaction.models``; only when it
fails exactly that way, it puts the two missing module names
(:data:`MISSING_PACKAGE` and :data:`MISSING_MODULE`) into ``sys.modules``
as empty modules, the second holding a :class:`DRN` placeholder that raises
a clear error when instantiated, retries once (removing them again if that
fails too), and logs one line saying so. The submodules imported before
the failure stay in ``sys.modules``, so the retry registers nothing twice.
Nothing else of mmaction2 is patched, and any other import error
propagates unchanged.

Importing ``dscnet_plugin`` calls :func:`import_loaded_mmaction_models`,
which does this only when ``mmaction`` is already imported (e.g. listed
before ``dscnet_plugin`` in a config's ``custom_imports``); the plugin never
imports mmaction2 on its own.
"""
import importlib
import importlib.util
import logging
import sys
from types import ModuleType
from typing import Optional

from mmengine.logging import print_log

#: mmaction2's own package name.
PACKAGE = 'mmaction'
#: The subpackage the 1.2.0 wheel lacks.
MISSING_PACKAGE = 'mmaction.models.localizers.drn'
#: The module of it that ``mmaction/models/localizers/__init__.py`` imports.
MISSING_MODULE = MISSING_PACKAGE + '.drn'


class DRN:
    """Placeholder of mmaction2's DRN localizer, absent from the 1.2.0 wheel.

    Raises:
        RuntimeError: always, naming what is missing and how to get it.
    """

    def __init__(self, *args, **kwargs) -> None:
        raise RuntimeError(
            "mmaction2's DRN is not available: the mmaction2 1.2.0 wheel ships "
            f'without {MISSING_PACKAGE.replace(".", "/")}, and dscnet_plugin put an '
            'empty placeholder in its place so that the rest of mmaction.models '
            'imports. Install mmaction2 from its source repository to use DRN.')


def _placeholder_modules() -> None:
    """Put the two missing module names into ``sys.modules``."""
    package = ModuleType(MISSING_PACKAGE, 'Placeholder put by dscnet_plugin: the mmaction2 '
                         '1.2.0 wheel lacks this subpackage.')
    package.__path__ = []  # a package with no files: nothing else is found in it
    module = ModuleType(MISSING_MODULE, 'Placeholder put by dscnet_plugin (DRN only).')
    module.DRN = DRN
    module.__all__ = ['DRN']
    package.drn = module
    sys.modules[MISSING_PACKAGE] = package
    sys.modules[MISSING_MODULE] = module


def import_mmaction_models() -> ModuleType:
    """``import mmaction.models``, with the placeholder for the missing DRN
    subpackage of the mmaction2 1.2.0 wheel applied only when needed.

    Returns:
        The ``mmaction.models`` module.

    Raises:
        ModuleNotFoundError: mmaction2 is not installed, or a module other
            than :data:`MISSING_PACKAGE` is missing.
        ImportError: (or anything else) raised while importing, unchanged.
    """
    name = f'{PACKAGE}.models'
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name != MISSING_PACKAGE:
            raise
    _placeholder_modules()
    try:
        models = importlib.import_module(name)
    except BaseException:  # another failure: leave sys.modules as it was
        for placeholder in (MISSING_MODULE, MISSING_PACKAGE):
            sys.modules.pop(placeholder, None)
        raise
    print_log(f'mmaction2 compatibility: put empty {MISSING_PACKAGE} and {MISSING_MODULE} '
              '(a DRN placeholder that raises when built) into sys.modules and imported '
              f'{name} again, because the installed mmaction2 wheel lacks '
              f'{MISSING_PACKAGE.replace(".", "/")}; nothing else of mmaction2 is changed',
              logger='current', level=logging.WARNING)
    return models


def import_loaded_mmaction_models() -> Optional[ModuleType]:
    """:func:`import_mmaction_models` if ``mmaction`` is already imported
    and has a ``models`` subpackage (nothing otherwise: the plugin does not
    import mmaction2 itself).

    Returns:
        ``mmaction.models``, or ``None`` when there is none to import.
    """
    if PACKAGE not in sys.modules or importlib.util.find_spec(f'{PACKAGE}.models') is None:
        return None
    return import_mmaction_models()
