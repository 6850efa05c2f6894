"""Import ``mmaction.models`` from the mmaction2 1.2.0 wheel, which lacks DRN
(and whose multi-modal models need ``timm`` once ``transformers`` is there).

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
A second repair, for an environment with ``transformers`` (the ``[vlm]``
extra) but no ``timm``: mmaction2 then enables its multi-modal models,
whose import fails on ``timm``; only on exactly that failure its
``WITH_MULTIMODAL`` switch is turned off and the import retried (see
:func:`import_mmaction_models`). Nothing else of mmaction2 is patched, and
any other import error propagates unchanged.

Importing ``dscnet_plugin`` calls :func:`import_loaded_mmaction_models`,
which does this only when ``mmaction`` is already imported (e.g. listed
before ``dscnet_plugin`` in a config's ``custom_imports``); the plugin never
imports mmaction2 on its own.
"""
import importlib
import importlib.util
import logging
import sys
import traceback
from types import ModuleType
from typing import Optional

from mmengine.logging import print_log

#: mmaction2's own package name.
PACKAGE = 'mmaction'
#: The subpackage the 1.2.0 wheel lacks.
MISSING_PACKAGE = 'mmaction.models.localizers.drn'
#: The module of it that ``mmaction/models/localizers/__init__.py`` imports.
MISSING_MODULE = MISSING_PACKAGE + '.drn'
#: What mmaction2's multi-modal models import and the ``[vlm]`` extra lacks.
TIMM = 'timm'
#: Where they live.
MULTIMODAL_DIR = 'mmaction/models/multimodal/'


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


def _multimodal_needs_timm(error: ModuleNotFoundError) -> bool:
    """Whether ``error`` is mmaction2's multi-modal models (enabled because
    ``transformers`` is installed) failing on the absent ``timm``."""
    if error.name != TIMM:
        return False
    dependency = sys.modules.get(f'{PACKAGE}.utils.dependency')
    if not getattr(dependency, 'WITH_MULTIMODAL', False):
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return any(MULTIMODAL_DIR in f.filename.replace('\\', '/') for f in frames)


def _disable_multimodal() -> None:
    """Make ``mmaction.models.multimodal`` register its placeholders (as
    mmaction2 does without ``transformers``) instead of importing VindLU."""
    sys.modules[f'{PACKAGE}.utils.dependency'].WITH_MULTIMODAL = False


def import_mmaction_models() -> ModuleType:
    """``import mmaction.models``, with two repairs applied only when needed:

    - the placeholder for the missing DRN subpackage of the mmaction2 1.2.0
      wheel (``ModuleNotFoundError`` naming :data:`MISSING_PACKAGE`);
    - mmaction2 enables its multi-modal models (VindLU) whenever
      ``transformers`` is installed (e.g. by the ``[vlm]`` extra), and they
      import ``timm``, which needs ``torchvision``: when exactly that import
      fails, ``mmaction.utils.dependency.WITH_MULTIMODAL`` is set to False,
      so those three models are registered as mmaction2's own placeholders
      (which ask for its ``[multimodal]`` extra when built).

    Each repair is logged once, and the import retried; the submodules
    imported before a failure stay in ``sys.modules``, so nothing registers
    twice.

    Returns:
        The ``mmaction.models`` module.

    Raises:
        ModuleNotFoundError: mmaction2 is not installed, or another module
            is missing.
        ImportError: (or anything else) raised while importing, unchanged.
    """
    name = f'{PACKAGE}.models'
    applied = []
    while True:
        try:
            models = importlib.import_module(name)
            break
        except ModuleNotFoundError as e:
            if e.name == MISSING_PACKAGE and 'drn' not in applied:
                _placeholder_modules()
                applied.append('drn')
            elif 'timm' not in applied and _multimodal_needs_timm(e):
                _disable_multimodal()
                applied.append('timm')
            else:
                _undo(applied)
                raise
        except BaseException:  # another failure: leave sys.modules as it was
            _undo(applied)
            raise
    if 'drn' in applied:
        print_log(f'mmaction2 compatibility: put empty {MISSING_PACKAGE} and {MISSING_MODULE} '
                  '(a DRN placeholder that raises when built) into sys.modules and imported '
                  f'{name} again, because the installed mmaction2 wheel lacks '
                  f'{MISSING_PACKAGE.replace(".", "/")}; nothing else of mmaction2 is changed',
                  logger='current', level=logging.WARNING)
    if 'timm' in applied:
        print_log('mmaction2 compatibility: its multi-modal models (VindLU) are enabled '
                  'because transformers is installed, but they import timm, which is not; '
                  'set mmaction.utils.dependency.WITH_MULTIMODAL = False and imported '
                  f'{name} again, so VindLU* are mmaction2\'s own placeholders (install '
                  'mmaction2[multimodal] to use them)', logger='current', level=logging.WARNING)
    return models


def _undo(applied) -> None:
    """Remove the DRN placeholders again (the multi-modal switch stays: it
    only keeps mmaction2 from importing what is not installed)."""
    if 'drn' in applied:
        for placeholder in (MISSING_MODULE, MISSING_PACKAGE):
            sys.modules.pop(placeholder, None)


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
