"""One DSCNet training iteration from a config of another OpenMMLab package.

The config's ``default_scope`` is ``mmaction`` (mmaction2's scope), the
plugin comes in through ``custom_imports``, and the top-level plugin types
are written ``dscnet_plugin.X``. The sub-components that the plugin builds
itself (readers, vocabulary, text encoder, heads, losses, the pipeline
transforms, the query set of the clustering hook) stay un-prefixed: the
plugin builds them with its scope pinned.

mmaction2 is not installed (the 1.2.0 wheel on PyPI is broken), so the test
writes a stub ``mmaction`` package into ``tmp_path``: a registry tree of
children of mmengine's root registries with the scope ``mmaction`` (the
layout of mmaction2 1.x's ``mmaction/registry.py``, with lazy ``locations``)
and two components of its own, a hook and a transform. The run happens in a
subprocess whose ``PYTHONPATH`` starts with ``tmp_path``, so the stub never
enters this test process (and shadows a real mmaction2 only there).
"""
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.engine.tiny_config import TINY_GENERATOR, hook_cfg, make_tiny_cfg, walk_dicts

REPO = Path(__file__).resolve().parents[1]
PREFIX = 'dscnet_plugin.'
#: At least the videos of the tiny training set (the generator's videos with
#: a query): the batch holds them all, so 1 epoch = 1 iteration.
BATCH_SIZE = TINY_GENERATOR['num_train_videos']

# ---------------------------------------------------------------------------
# The stub mmaction package (written into tmp_path)
# ---------------------------------------------------------------------------
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

# ---------------------------------------------------------------------------
# The script the subprocess runs
# ---------------------------------------------------------------------------
RUN_SCRIPT = '''\
import sys

# nothing of either package is loaded before the config asks for it
assert 'dscnet_plugin' not in sys.modules and 'mmaction' not in sys.modules

from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

cfg = Config.fromfile('foreign_cfg.py')  # runs custom_imports
import mmaction
import mmaction.registry as mmaction_registry
assert mmaction.__version__ == '1.2.0+stub', mmaction.__file__
assert 'dscnet_plugin' in sys.modules, 'custom_imports did not import the plugin'
# from the mmaction node, un-prefixed plugin names are not found: the
# prefixes of the config are needed
assert mmaction_registry.MODELS.get('DSCNet') is None
assert mmaction_registry.MODELS.get('dscnet_plugin.DSCNet') is not None

runner = Runner.from_cfg(cfg)
assert DefaultScope.get_current_instance().scope_name == 'mmaction'
runner.train()
model = runner.model
print('[interop] default scope', DefaultScope.get_current_instance().scope_name)
print('[interop] model', type(model).__module__, type(model).__name__)
print('[interop] train iterations', runner.iter, 'epochs', runner.epoch)
print('[interop] label bank', tuple(model.pseudo_labels.shape),
      'labels ready', bool(model.labels_ready), 'centres ready', bool(model.centers_ready))
print('[interop] hooks', ' '.join(type(h).__module__ + '.' + type(h).__name__
                                  for h in runner.hooks))
'''


def write_stub(root: Path) -> None:
    pkg = root / 'mmaction'
    for sub in ('engine', 'datasets', 'models', 'evaluation', 'visualization', 'apis'):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / '__init__.py').write_text('')
    (pkg / '__init__.py').write_text(STUB_INIT)
    (pkg / 'registry.py').write_text(STUB_REGISTRY)
    (pkg / 'engine' / '__init__.py').write_text(STUB_ENGINE)
    (pkg / 'datasets' / '__init__.py').write_text(STUB_DATASETS)


def foreign_config(data_root: Path, work_dir: Path):
    """The tiny demo config, re-written as an mmaction config would use the
    plugin; returns it and the number of types prefixed."""
    cfg = make_tiny_cfg(data_root, work_dir)
    cfg.default_scope = 'mmaction'
    cfg.custom_imports = dict(imports=['mmaction', 'dscnet_plugin'],
                              allow_failed_imports=False)
    # one training iteration: L=1, N_e=1, 1 epoch per stage, one batch per epoch
    cfg.model.text_encoder.num_necks = 1
    hook_cfg(cfg, 'IterativeRelabelHook').update(iterations=1, epochs_per_stage=1)
    cfg.train_dataloader.batch_size = BATCH_SIZE
    cfg.default_hooks.checkpoint.interval = 1
    # the mmaction transform inside the plugin's (pinned) training pipeline,
    # and its mark carried into the data samples
    pipeline = cfg.train_dataloader.dataset.pipeline
    assert [t['type'] for t in pipeline] == [
        'LoadVideoFeatures', 'ResampleFeatures', 'PackGroundingInputs']
    pipeline.insert(2, dict(type='mmaction.StubMMActionTransform'))
    pipeline[-1]['meta_keys'] = ('video_id', 'duration', 'sample_idx', 'video_index',
                                 'num_source_frames', 'mmaction_stub_mark')

    # top-level types the Runner builds from the mmaction scope: prefixed
    tops = [cfg.model, cfg.train_dataloader.dataset, cfg.val_dataloader.dataset,
            cfg.test_dataloader.dataset, cfg.val_evaluator, cfg.test_evaluator,
            cfg.default_hooks.checkpoint]
    tops += [h for h in cfg.custom_hooks]
    for node in tops:
        assert not node['type'].startswith(PREFIX), node['type']
        node['type'] = PREFIX + node['type']
    # and the mmaction hook, un-prefixed: the default scope finds it
    cfg.custom_hooks.append(dict(type='StubMMActionHook'))
    return cfg, len(tops)


def test_one_training_iteration_from_an_mmaction_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_stub(tmp_path)
    # relative paths: long absolute ones make mmengine's yapf formatting slow
    cfg, num_prefixed = foreign_config(Path('data'), Path('work'))
    config = tmp_path / 'foreign_cfg.py'
    cfg.dump(str(config))
    text = config.read_text()
    assert "default_scope = 'mmaction'" in text
    assert text.count("type='dscnet_plugin.") == num_prefixed
    # nested plugin types stay un-prefixed (the plugin pins its scope)
    nested = {'LoadVideoFeatures', 'ResampleFeatures', 'PackGroundingInputs',
              'TokenizeQuery', 'QuerySetDataset', 'QueryVocabulary', 'VideoFeatures',
              'SyntheticGroundingAnnotation', 'LSTMNeckAutoEncoder', 'NCutLabeller',
              'SelfAttentionVideoEncoder', 'KMeansNeckClusterer', 'GroundingBCELoss'}
    types = {d['type'] for d in walk_dicts(cfg._cfg_dict) if 'type' in d}
    assert nested <= types, nested - types

    (tmp_path / 'run_foreign.py').write_text(RUN_SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore',
               PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO)]))
    proc = subprocess.run([sys.executable, 'run_foreign.py'], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]

    # exactly one training iteration of DSCNet, and the schedule of Algorithm 1
    assert 'Epoch(train) [1][1/1]' in out, out[-4000:]
    assert 'Epoch(train) [1][2/' not in out and 'Epoch(train) [2]' not in out
    assert '[video] 1 epochs = 1 iterations x 1 necks x 1 epochs per stage' in out
    assert '[language] epoch' in out and '[cluster]' in out
    assert '[relabel] initial labels' in out and '[relabel] iteration 1, neck 1' in out
    assert '[interop] train iterations 1 epochs 1' in out
    assert '[interop] default scope mmaction' in out
    assert '[interop] model dscnet_plugin.models.grounders.dscnet DSCNet' in out
    assert 'labels ready True centres ready True' in out
    # the label bank covers the whole training set, which fits one batch
    num_videos = int(re.search(r'\[interop\] label bank \((\d+), 1, ', out).group(1))
    assert 0 < num_videos <= BATCH_SIZE
    # the stub's components ran: its hook saw the whole batch marked by its
    # transform (built inside the plugin's pinned pipeline as mmaction.X)
    assert (f'[mmaction-stub] hook before_train_iter 1: {num_videos}/{num_videos} '
            'samples passed the stub transform') in out
    hooks = out.split('[interop] hooks', 1)[1].splitlines()[0].split()
    for name in ('dscnet_plugin.engine.hooks.semantic_clustering_hook.SemanticClusteringHook',
                 'dscnet_plugin.engine.hooks.iterative_relabel_hook.IterativeRelabelHook',
                 'dscnet_plugin.engine.hooks.safe_checkpoint_hook.SafeCheckpointHook',
                 'mmaction.engine.StubMMActionHook'):
        assert name in hooks, hooks
    # the validation at the end of training ran the plugin's metric and the
    # prior table from the mmaction scope too
    assert 'results beside the no-video priors' in out
    # every registry tree had an mmaction node with import locations (no
    # fallback warnings)
    assert 'Failed to search registry' not in out, out[-4000:]
    assert 'mmaction is not installed' not in out, out[-4000:]
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
