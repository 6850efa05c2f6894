"""dscnet_plugin: OpenMMLab plugin for unsupervised temporal video grounding.

Importing the package registers every component in the ``dscnet_plugin``
scope of the mmengine registries, so ``custom_imports=dict(imports=
['dscnet_plugin'])`` in a foreign config is enough to use
``type='dscnet_plugin.X'``.
"""
from .version import __version__
from . import apis, datasets, engine, evaluation, models, structures, visualization  # noqa: F401,E501
from .registry import SCOPE
from .utils import import_loaded_mmaction_models, install_safe_loading

install_safe_loading()  # checkpoints load weights-only, mmengine's local loads included
# mmaction imported first (custom_imports=['mmaction', 'dscnet_plugin']): import its
# models now, with the placeholder for the DRN subpackage its 1.2.0 wheel lacks
import_loaded_mmaction_models()

__all__ = ['__version__', 'SCOPE']
