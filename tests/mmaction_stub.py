"""A stub of mmaction2 1.x for ``tests/test_interop.py`` when the real
package (the ``[mmaction]`` extra) is not installed: its registry tree (the
layout of mmaction2 1.x's ``mmaction/registry.py``, children of mmengine's
roots with the scope ``mmaction`` and lazy ``locations``) and two components
of its own, a hook and a transform.
"""
from pathlib import Path

STUB_INIT = '''\
"""Stub of mmaction2 1.x for tests: its registry tree and two components."""
__version__ = '1.2.0+stub'
'''

# mmaction2 1.x: every registry is a child of mmengine's root registry with
# scope 'mmaction' and lazy import locations.
STUB_REGISTRY = '''\
"""Registries of the mmaction stub (children of mmengine's roots, scope 'mmaction')."""
from mmengine import registry as mm
from mmengine.registry import Registry

_CHILDREN = dict(
    RUNNERS=('runner', 'RUNNERS', 'engine'),
    RUNNER_CONSTRUCTORS=('runner constructor', 'RUNNER_CONSTRUCTORS', 'engine'),
    LOOPS=('loop', 'LOOPS', 'engine'),
    HOOKS=('hook', 'HOOKS', 'engine'),
    LOG_PROCESSORS=('log_processor', 'LOG_PROCESSORS', 'engine'),
    OPTIMIZERS=('optimizer', 'OPTIMIZERS', 'engine'),
    OPTIM_WRAPPERS=('optim_wrapper', 'OPTIM_WRAPPERS', 'engine'),
    OPTIM_WRAPPER_CONSTRUCTORS=('optimizer wrapper constructor',
                                'OPTIM_WRAPPER_CONSTRUCTORS', 'engine'),
    PARAM_SCHEDULERS=('parameter scheduler', 'PARAM_SCHEDULERS', 'engine'),
    DATASETS=('dataset', 'DATASETS', 'datasets'),
    DATA_SAMPLERS=('data sampler', 'DATA_SAMPLERS', 'datasets'),
    TRANSFORMS=('transform', 'TRANSFORMS', 'datasets'),
    MODELS=('model', 'MODELS', 'models'),
    MODEL_WRAPPERS=('model_wrapper', 'MODEL_WRAPPERS', 'models'),
    WEIGHT_INITIALIZERS=('weight initializer', 'WEIGHT_INITIALIZERS', 'models'),
    TASK_UTILS=('task util', 'TASK_UTILS', 'models'),
    METRICS=('metric', 'METRICS', 'evaluation'),
    EVALUATOR=('evaluator', 'EVALUATOR', 'evaluation'),
    VISUALIZERS=('visualizer', 'VISUALIZERS', 'visualization'),
    VISBACKENDS=('vis_backend', 'VISBACKENDS', 'visualization'),
    INFERENCERS=('inferencer', 'INFERENCERS', 'apis'),
    FUNCTIONS=('function', 'FUNCTIONS', 'engine'),
)
for _name, (_label, _root, _package) in _CHILDREN.items():
    globals()[_name] = Registry(_label, parent=getattr(mm, _root), scope='mmaction',
                                locations=['mmaction.' + _package])
'''

STUB_ENGINE = '''\
"""An mmaction-side hook: checks every training batch passed the stub transform."""
from mmengine.hooks import Hook
from mmengine.logging import print_log

from ..registry import HOOKS


@HOOKS.register_module()
class StubMMActionHook(Hook):

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        samples = data_batch['data_samples']
        marked = sum(bool(s.metainfo.get('mmaction_stub_mark')) for s in samples)
        print_log(f'[mmaction-stub] hook before_train_iter {runner.iter + 1}: '
                  f'{marked}/{len(samples)} samples passed the stub transform',
                  logger='current')
'''

STUB_DATASETS = '''\
"""An mmaction-side transform: marks the results dict it sees."""
from ..registry import TRANSFORMS


@TRANSFORMS.register_module()
class StubMMActionTransform:

    def __call__(self, results):
        results['mmaction_stub_mark'] = True
        return results
'''


def write_stub(root: Path) -> None:
    """Write the stub package ``root/mmaction``."""
    pkg = root / 'mmaction'
    for sub in ('engine', 'datasets', 'models', 'evaluation', 'visualization', 'apis'):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / '__init__.py').write_text('')
    (pkg / '__init__.py').write_text(STUB_INIT)
    (pkg / 'registry.py').write_text(STUB_REGISTRY)
    (pkg / 'engine' / '__init__.py').write_text(STUB_ENGINE)
    (pkg / 'datasets' / '__init__.py').write_text(STUB_DATASETS)
