"""The mmaction2 1.2.0 compatibility shim, on fake ``mmaction`` packages.

Each test writes a tiny ``mmaction`` package into ``tmp_path`` and imports
it in this process with every real ``mmaction`` module set aside (and put
back afterwards), so these tests run with or without mmaction2 installed.
"""
import importlib
import sys

import pytest

from dscnet_plugin.utils import mmaction_compat
from dscnet_plugin.utils.mmaction_compat import (MISSING_MODULE, MISSING_PACKAGE,
                                                 import_loaded_mmaction_models,
                                                 import_mmaction_models)

#: The 1.2.0 wheel's layout: models/__init__ imports localizers, whose
#: __init__ imports a sibling first (counted, so a re-run shows) and then
#: the absent drn subpackage.
BROKEN = {
    'mmaction/__init__.py': '',
    'mmaction/models/__init__.py': ('from .backbones import *  # noqa\n'
                                    'from .localizers import *  # noqa\n'),
    'mmaction/models/backbones/__init__.py': ('import builtins\n'
                                              'builtins.FAKE_RUNS.append("backbones")\n'
                                              'class C3D: pass\n'),
    'mmaction/models/localizers/__init__.py': ('from .bmn import BMN\n'
                                               'from .drn.drn import DRN\n'
                                               "__all__ = ['BMN', 'DRN']\n"),
    'mmaction/models/localizers/bmn.py': ('import builtins\n'
                                          'builtins.FAKE_RUNS.append("bmn")\n'
                                          'class BMN: pass\n'),
}


def _write(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def fake_mmaction(tmp_path, monkeypatch):
    """Write a fake package (``files``) and make it the only ``mmaction``."""
    import builtins
    runs = []
    monkeypatch.setattr(builtins, 'FAKE_RUNS', runs, raising=False)
    logged = []
    monkeypatch.setattr(mmaction_compat, 'print_log', lambda msg, **kw: logged.append(msg))
    saved = {k: v for k, v in sys.modules.items() if k == 'mmaction' or k.startswith('mmaction.')}
    for name in saved:
        del sys.modules[name]
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(files):
        _write(tmp_path, files)
        importlib.invalidate_caches()
        return runs, logged

    yield write
    for name in [k for k in sys.modules if k == 'mmaction' or k.startswith('mmaction.')]:
        del sys.modules[name]
    sys.modules.update(saved)


def test_the_missing_drn_is_replaced_and_the_import_retried(fake_mmaction):
    runs, logged = fake_mmaction(BROKEN)
    models = import_mmaction_models()
    assert models is sys.modules['mmaction.models']
    # the rest of mmaction.models is there, each module executed once
    assert models.BMN.__module__ == 'mmaction.models.localizers.bmn'
    assert models.C3D.__name__ == 'C3D'
    assert runs == ['backbones', 'bmn']
    # the two names, empty but for the placeholder
    package, module = sys.modules[MISSING_PACKAGE], sys.modules[MISSING_MODULE]
    assert package.__path__ == [] and package.drn is module
    assert [k for k in vars(module) if not k.startswith('__')] == ['DRN']
    assert models.DRN is module.DRN is mmaction_compat.DRN
    with pytest.raises(RuntimeError, match='mmaction2 1.2.0 wheel ships without '
                       'mmaction/models/localizers/drn'):
        models.DRN(feature_dim=4096)
    # one log line saying what and why
    assert len(logged) == 1
    assert MISSING_PACKAGE in logged[0] and MISSING_MODULE in logged[0]
    assert 'lacks mmaction/models/localizers/drn' in logged[0]
    # again: already imported, nothing done nor logged
    assert import_mmaction_models() is models and len(logged) == 1


def test_a_complete_package_is_imported_untouched(fake_mmaction):
    files = dict(BROKEN)
    files['mmaction/models/localizers/drn/__init__.py'] = ''
    files['mmaction/models/localizers/drn/drn.py'] = 'class DRN: pass\n'
    _, logged = fake_mmaction(files)
    models = import_mmaction_models()
    assert models.DRN.__module__ == MISSING_MODULE
    assert sys.modules[MISSING_PACKAGE].__file__.endswith('drn/__init__.py')
    assert logged == []


@pytest.mark.parametrize('line, error, match', [
    ('import lazy_importer_not_installed\n', ModuleNotFoundError,
     "No module named 'lazy_importer_not_installed'"),
    ('from .drn2.drn import DRN\n', ModuleNotFoundError,
     "No module named 'mmaction.models.localizers.drn2'"),
    ('from .bmn import NotThere\n', ImportError, "cannot import name 'NotThere'"),
    ("raise AssertionError('MMCV==2.2.0 is used but incompatible')\n", AssertionError,
     'incompatible'),
    # the exact error first, then another one on the retry
    ('from .drn.drn import DRN\nimport einops_not_installed\n', ModuleNotFoundError,
     "No module named 'einops_not_installed'"),
])
def test_any_other_import_error_propagates(fake_mmaction, line, error, match):
    files = dict(BROKEN)
    files['mmaction/models/localizers/__init__.py'] = 'from .bmn import BMN\n' + line
    _, logged = fake_mmaction(files)
    with pytest.raises(error, match=match):
        import_mmaction_models()
    assert MISSING_PACKAGE not in sys.modules and MISSING_MODULE not in sys.modules
    assert logged == []


def test_the_plugin_import_hook_needs_mmaction_imported_first(fake_mmaction):
    _, logged = fake_mmaction(BROKEN)
    assert import_loaded_mmaction_models() is None  # mmaction not imported: nothing
    assert 'mmaction' not in sys.modules and logged == []
    importlib.import_module('mmaction')
    assert import_loaded_mmaction_models() is sys.modules['mmaction.models']
    assert len(logged) == 1


def test_the_plugin_import_hook_skips_an_mmaction_without_models(fake_mmaction):
    _, logged = fake_mmaction({'mmaction/__init__.py': ''})
    importlib.import_module('mmaction')
    assert import_loaded_mmaction_models() is None and logged == []


#: mmaction2 1.2.0 with transformers installed: models/__init__ imports the
#: multi-modal models, which import timm when WITH_MULTIMODAL is on.
MULTIMODAL = dict(BROKEN, **{
    'mmaction/utils/__init__.py': '',
    'mmaction/utils/dependency.py': 'WITH_MULTIMODAL = True\n',
    'mmaction/models/__init__.py': ('from .backbones import *  # noqa\n'
                                    'from .localizers import *  # noqa\n'
                                    'from .multimodal import *  # noqa\n'),
    'mmaction/models/multimodal/__init__.py': (
        'from mmaction.utils.dependency import WITH_MULTIMODAL\n'
        'if WITH_MULTIMODAL:\n'
        '    from .vindlu import *  # noqa\n'
        'else:\n'
        '    class VindLURetrieval:\n'
        '        placeholder = True\n'),
    'mmaction/models/multimodal/vindlu.py': 'import timm\nclass VindLURetrieval: pass\n',
})


def test_multimodal_models_without_timm_are_switched_off(fake_mmaction):
    if importlib.util.find_spec('timm') is not None:
        pytest.skip('timm is installed: the multi-modal models import')
    runs, logged = fake_mmaction(MULTIMODAL)
    import mmaction.utils.dependency as dependency
    models = import_mmaction_models()
    assert models.VindLURetrieval.placeholder
    assert dependency.WITH_MULTIMODAL is False
    assert models.DRN is mmaction_compat.DRN  # both repairs, each once
    assert runs == ['backbones', 'bmn']
    assert len(logged) == 2 and 'timm' in logged[1] and 'WITH_MULTIMODAL' in logged[1]


def test_timm_missing_elsewhere_propagates(fake_mmaction):
    if importlib.util.find_spec('timm') is not None:
        pytest.skip('timm is installed')
    files = dict(MULTIMODAL)
    files['mmaction/models/backbones/__init__.py'] = 'import timm\n'
    _, logged = fake_mmaction(files)
    import mmaction.utils.dependency  # noqa: F401
    with pytest.raises(ModuleNotFoundError, match="No module named 'timm'"):
        import_mmaction_models()
    assert logged == []
