"""One DSCNet training iteration and a test run from an mmaction2 config.

The config's ``default_scope`` is ``mmaction`` (mmaction2's scope), both
packages come in through ``custom_imports`` (mmaction first), and the
top-level plugin types are written ``dscnet_plugin.X``. The sub-components
that the plugin builds itself (readers, vocabulary, text encoder, heads,
losses, the pipeline transforms, the query set of the clustering hook) stay
un-prefixed: the plugin builds them with its scope pinned.

Two variants, one of which runs:

* ``test_interop_real_mmaction``: the real mmaction2 (the ``[mmaction]``
  extra). The script calls mmaction's ``register_all_modules()`` as
  mmaction's own code does, checks that ``mmaction.registry`` is the one of
  the installed ``mmaction2`` distribution with mmaction's models in it,
  and mixes in real mmaction2 components: its ``ActionVisualizer`` as the
  Runner's visualizer and its ``Transpose`` transform (twice, D x T and
  back) inside the plugin's pinned training pipeline.
* ``test_interop_stub``: only when mmaction2 is not installed, against the
  stub of ``tests/mmaction_stub.py`` (a hook and a transform of its own).

The run happens in a subprocess (the stub, written into ``tmp_path``, is
first on its ``PYTHONPATH``), so neither package enters this test process.
"""
import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

from dscnet_plugin.utils import pipeline_steps
from tests.engine.tiny_config import TINY_GENERATOR, hook_cfg, make_tiny_cfg, walk_dicts
from tests.mmaction_stub import write_stub

REPO = Path(__file__).resolve().parents[1]
PREFIX = 'dscnet_plugin.'
#: At least the videos of the tiny training set (the generator's videos with
#: a query): the batch holds them all, so 1 epoch = 1 iteration.
BATCH_SIZE = TINY_GENERATOR['num_train_videos']
#: The log line of :mod:`dscnet_plugin.utils.mmaction_compat`.
SHIM_LINE = 'mmaction2 compatibility: put empty mmaction.models.localizers.drn'


def _mmaction2() -> Optional[importlib.metadata.Distribution]:
    try:
        return importlib.metadata.distribution('mmaction2')
    except importlib.metadata.PackageNotFoundError:
        return None


MMACTION2 = _mmaction2()

# ---------------------------------------------------------------------------
# The script the subprocess runs
# ---------------------------------------------------------------------------
SCRIPT_HEAD = '''\
import sys

# nothing of either package is loaded before the config asks for it
assert 'dscnet_plugin' not in sys.modules and 'mmaction' not in sys.modules

from mmengine.config import Config
from mmengine.registry import DefaultScope

cfg = Config.fromfile('foreign_cfg.py')  # runs custom_imports: mmaction, dscnet_plugin
import mmaction
import mmaction.registry as mmaction_registry
assert 'dscnet_plugin' in sys.modules, 'custom_imports did not import the plugin'
'''

SCRIPT_STUB = '''\
assert mmaction.__version__ == '1.2.0+stub', mmaction.__file__
'''

SCRIPT_REAL = '''\
from mmaction.utils import register_all_modules

register_all_modules()  # as mmaction2's own scripts do
assert DefaultScope.get_current_instance().scope_name == 'mmaction'
models = mmaction_registry.MODELS
print('[interop] mmaction', mmaction.__version__, 'registry', mmaction_registry.__file__)
print('[interop] mmaction MODELS scope', models.scope, 'has Recognizer3D',
      models.get('Recognizer3D') is not None, 'has CharadesSTADataset',
      mmaction_registry.DATASETS.get('CharadesSTADataset') is not None)
'''

SCRIPT_TAIL = '''\
# from the mmaction node, un-prefixed plugin names are not found: the
# prefixes of the config are needed
assert mmaction_registry.MODELS.get('DSCNet') is None
assert mmaction_registry.MODELS.get('dscnet_plugin.DSCNet') is not None

# built as mmaction2's tools/train.py does (runner_type: our QuietConsoleRunner)
runner = mmaction_registry.RUNNERS.build(cfg)
assert type(runner).__name__ == 'QuietConsoleRunner', type(runner)
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
print('[interop] visualizer', type(runner.visualizer).__module__,
      type(runner.visualizer).__name__)
pipeline = runner.train_dataloader.dataset.pipeline.transforms
print('[interop] pipeline', ' '.join(type(t).__module__ + '.' + type(t).__name__
                                     for t in pipeline))
metrics = runner.test()
print('[interop] test', ' '.join(f'{k}={v:.2f}' for k, v in sorted(metrics.items())
                                 if isinstance(v, float)))
'''


def foreign_config(data_root: Path, work_dir: Path, real: bool):
    """The tiny demo config, re-written as an mmaction config would use the
    plugin, with mmaction components (the real ones or the stub's); returns
    it and the number of types prefixed."""
    cfg = make_tiny_cfg(data_root, work_dir)
    cfg.default_scope = 'mmaction'
    cfg.custom_imports = dict(imports=['mmaction', 'dscnet_plugin'],
                              allow_failed_imports=False)
    # one training iteration: L=1, N_e=1, 1 epoch per stage, one batch per epoch
    cfg.model.text_encoder.num_necks = 1
    hook_cfg(cfg, 'IterativeRelabelHook').update(iterations=1, epochs_per_stage=1)
    cfg.train_dataloader.batch_size = BATCH_SIZE
    cfg.default_hooks.checkpoint.interval = 1
    # the demo's named steps, as the list an mmaction config writes (both work)
    pipeline = pipeline_steps(cfg.train_dataloader.dataset.pipeline)
    assert [t['type'] for t in pipeline] == [
        'LoadVideoFeatures', 'ResampleFeatures', 'PackGroundingInputs']

    # top-level types the Runner builds from the mmaction scope: prefixed
    tops = [cfg.model, cfg.train_dataloader.dataset, cfg.val_dataloader.dataset,
            cfg.test_dataloader.dataset, cfg.val_evaluator, cfg.test_evaluator,
            cfg.default_hooks.checkpoint, cfg.train_cfg, cfg.val_cfg]
    tops += [h for h in cfg.custom_hooks]
    for node in tops:
        assert not node['type'].startswith(PREFIX), node['type']
        node['type'] = PREFIX + node['type']
    cfg.runner_type = PREFIX + cfg.runner_type
    if real:
        # mmaction2's transform in the plugin's (pinned) pipeline, written
        # mmaction.X: T x D -> D x T -> T x D
        flip = dict(type='mmaction.Transpose', keys=['video_feature'], order=(1, 0))
        pipeline[1:1] = [flip, dict(flip)]
        # and its visualizer, un-prefixed: the default scope finds it
        cfg.visualizer = dict(type='ActionVisualizer',
                              vis_backends=[dict(type='LocalVisBackend')])
    else:
        # the stub's transform, its mark carried into the data samples, its hook
        pipeline.insert(2, dict(type='mmaction.StubMMActionTransform'))
        pipeline[-1]['meta_keys'] = ('video_id', 'duration', 'sample_idx', 'video_index',
                                     'num_source_frames', 'mmaction_stub_mark')
        cfg.custom_hooks.append(dict(type='StubMMActionHook'))
    cfg.train_dataloader.dataset.pipeline = pipeline
    return cfg, len(tops)


def run_foreign(tmp_path: Path, monkeypatch, real: bool) -> str:
    """Dump the config, run the script in a subprocess, check what is common
    to both variants; returns the output."""
    monkeypatch.chdir(tmp_path)
    # relative paths: long absolute ones make mmengine's yapf formatting slow
    cfg, num_prefixed = foreign_config(Path('data'), Path('work'), real)
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

    script = SCRIPT_HEAD + (SCRIPT_REAL if real else SCRIPT_STUB) + SCRIPT_TAIL
    (tmp_path / 'run_foreign.py').write_text(script)
    path = [str(REPO)] if real else [str(tmp_path), str(REPO)]
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore',
               PYTHONPATH=os.pathsep.join(path))
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
    hooks = out.split('[interop] hooks', 1)[1].splitlines()[0].split()
    for name in ('dscnet_plugin.engine.hooks.semantic_clustering_hook.SemanticClusteringHook',
                 'dscnet_plugin.engine.hooks.iterative_relabel_hook.IterativeRelabelHook',
                 'dscnet_plugin.engine.hooks.safe_checkpoint_hook.SafeCheckpointHook'):
        assert name in hooks, hooks
    # the validation at the end of training and the test run: the plugin's
    # metric and the prior table, from the mmaction scope
    assert 'results beside the no-video priors' in out
    tested = dict(kv.split('=') for kv in out.split('[interop] test ', 1)[1]
                  .splitlines()[0].split())
    assert {'R1@0.5', 'R5@0.5', 'mIoU'} <= set(tested), tested
    assert all(0 <= float(v) <= 100 for v in tested.values()), tested
    # every registry tree had an mmaction node with import locations (no
    # fallback warnings)
    assert 'Failed to search registry' not in out, out[-4000:]
    assert 'mmaction is not installed' not in out, out[-4000:]
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
    return out


@pytest.mark.skipif(MMACTION2 is None, reason="mmaction2 is not installed (the "
                    "'[mmaction]' extra): test_interop_stub runs against the stub instead")
def test_interop_real_mmaction(tmp_path, monkeypatch):
    out = run_foreign(tmp_path, monkeypatch, real=True)
    # mmaction.registry is the installed mmaction2's own, with its models
    own = Path(MMACTION2.locate_file('mmaction/registry.py')).resolve()
    found = re.search(r'\[interop\] mmaction (\S+) registry (\S+)', out)
    assert found and found.group(1) == MMACTION2.version == '1.2.0', out[-4000:]
    assert Path(found.group(2)).resolve() == own and own.is_file(), (found.group(2), own)
    assert ('[interop] mmaction MODELS scope mmaction has Recognizer3D True '
            'has CharadesSTADataset True') in out
    # the 1.2.0 wheel lacks the drn subpackage: the shim said so, once
    assert out.count(SHIM_LINE) == 1, out[-4000:]
    # mmaction2's components ran in the same Runner
    assert '[interop] visualizer mmaction.visualization.action_visualizer ' \
        'ActionVisualizer' in out
    pipeline = out.split('[interop] pipeline', 1)[1].splitlines()[0].split()
    assert pipeline.count('mmaction.datasets.transforms.formatting.Transpose') == 2, pipeline


@pytest.mark.skipif(MMACTION2 is not None, reason='mmaction2 is installed: '
                    'test_interop_real_mmaction runs against it instead of the stub')
def test_interop_stub(tmp_path, monkeypatch):
    write_stub(tmp_path)
    out = run_foreign(tmp_path, monkeypatch, real=False)
    assert SHIM_LINE not in out
    # the label bank covers the whole training set, which fits one batch
    num_videos = int(re.search(r'\[interop\] label bank \((\d+), 1, ', out).group(1))
    assert 0 < num_videos <= BATCH_SIZE
    # the stub's components ran: its hook saw the whole batch marked by its
    # transform (built inside the plugin's pinned pipeline as mmaction.X)
    assert (f'[mmaction-stub] hook before_train_iter 1: {num_videos}/{num_videos} '
            'samples passed the stub transform') in out
    assert 'mmaction.engine.StubMMActionHook' in out.split('[interop] hooks', 1)[1]
