"""A fresh run into a work dir holding another config's checkpoints, or a
``--resume`` with another config, stops before anything is built."""
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from dscnet_plugin.engine import WorkDirError, check_work_dir_config
from dscnet_plugin.engine import work_dir_guard
from dscnet_plugin.engine.config_diff import (config_differences, describe_differences,
                                              parse_config_text, training_fields)
from tests.tool_loader import REPO, load_tool

from .tiny_config import TINY_EPOCHS, isolated_run, make_tiny_cfg

WORK = 'work_dirs/tiny'  # tools/train.py's default work dir of tiny.py
WORK_DIR = f'./{WORK}'  # cfg.work_dir as the tool sets it
ABLATION = 'model.text_encoder.num_necks=4'


def train(*argv):
    """``tools/train.py tiny.py argv`` as from the command line; returns its
    SystemExit (or None)."""
    tool = load_tool('tools/train.py')
    saved = sys.argv
    sys.argv = ['train.py', 'tiny.py', '--quiet', *argv]
    try:
        tool.run_tool(tool.main)
    except SystemExit as e:
        return e
    finally:
        sys.argv = saved
    return None


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    """A finished tiny training in ``work_dirs/tiny`` (no ``--work-dir``, as
    in the README), in a folder the tests work in."""
    root = tmp_path_factory.mktemp('guard')
    with isolated_run(root):
        cfg = make_tiny_cfg(Path('data'), Path(WORK))
        cfg._cfg_dict.pop('work_dir')
        cfg.default_hooks.checkpoint.interval = TINY_EPOCHS  # one checkpoint
        cfg.dump('tiny.py')
        assert train() is None
    return root


def _state(root: Path):
    work = root / WORK
    return ((work / 'last_checkpoint').read_text(), sorted(p.name for p in work.iterdir()))


def test_the_readmes_ablation_without_work_dir_is_refused(run):
    with isolated_run(run):
        before = _state(run)
        exit_ = train('--cfg-options', ABLATION)
        assert str(exit_.code) == (
            f'error: {WORK_DIR} holds checkpoints of another config (latest: '
            f'epoch_{TINY_EPOCHS}.pth), which differs in model.text_encoder.num_necks: 2 -> 4. '
            "A fresh run there would mix the two runs' checkpoints: pass a new --work-dir "
            'to train this config apart, or --resume to continue the earlier run with its '
            'own config')
        assert _state(run) == before  # no log dir, no config dump, last_checkpoint kept


def test_resume_with_another_config_is_refused_before_the_optimizer(run):
    with isolated_run(run):
        before = _state(run)
        exit_ = train('--resume', '--cfg-options', ABLATION)
        assert str(exit_.code) == (
            f'error: --resume: {run / WORK}/epoch_{TINY_EPOCHS}.pth was trained with '
            'another config, which differs in model.text_encoder.num_necks: 2 -> 4. Resume '
            'with the config it was trained with, or train this one as a fresh run with a '
            'new --work-dir')
        assert _state(run) == before


def _tool_cfg(*options: str, work_dir=None, resume=None):
    """The config tools/train.py would train (its own merge_args)."""
    tool = load_tool('tools/train.py')
    sys_argv = ['train.py', 'tiny.py', *(['--work-dir', work_dir] if work_dir else []),
                *(['--resume'] if resume else []),
                *(['--cfg-options', *options] if options else [])]
    saved, sys.argv = sys.argv, sys_argv
    try:
        args = tool.parse_args()
    finally:
        sys.argv = saved
    return tool.merge_args(Config.fromfile('tiny.py'), args)


def test_same_config_or_new_work_dir_may_start(run, monkeypatch):
    logged = []
    monkeypatch.setattr(work_dir_guard, 'print_log', lambda msg, **kw: logged.append(msg))
    with isolated_run(run):
        check_work_dir_config(_tool_cfg())  # a fresh run of the same config
        assert logged == [f'{WORK_DIR} holds checkpoints of this same config (latest: '
                          f'epoch_{TINY_EPOCHS}.pth); this fresh run writes over them '
                          '(--resume would continue from them instead)']
        logged.clear()
        # what a resume may change: validation, checkpointing, where the data is
        check_work_dir_config(_tool_cfg('default_hooks.checkpoint.interval=2',
                                        'val_dataloader.batch_size=3', 'data_root=moved',
                                        resume=True))
        check_work_dir_config(_tool_cfg(ABLATION, work_dir='work_dirs/necks4'))
        assert logged == []


def test_a_checkpoints_config_text_is_never_executed(tmp_path):
    marker = tmp_path / 'MARKER'
    text = (f"model = dict(type='DSCNet', x=__import__('os').system('touch {marker}'))\n"
            "train_cfg = dict(max_epochs=-2, betas=(0.9, 0.99), lr=-inf)\n")
    torch.save({'meta': {'cfg': text}, 'state_dict': {}}, str(tmp_path / 'epoch_1.pth'))
    cfg = Config(dict(work_dir=str(tmp_path),
                      model=dict(type='DSCNet', x=0),
                      train_cfg=dict(max_epochs=-2, betas=(0.9, 0.99), lr=-float('inf'))))
    with pytest.raises(WorkDirError) as e:
        check_work_dir_config(cfg)
    assert not marker.exists()
    assert str(e.value).startswith(
        f'{tmp_path} holds checkpoints of another config (latest: epoch_1.pth), which '
        'differs in model.x: "<__import__(\'os\').system(\'touch /')
    assert '... -> 0. A fresh run there' in str(e.value)
    old = parse_config_text(text)
    assert old['train_cfg'] == dict(max_epochs=-2, betas=[0.9, 0.99], lr=-float('inf'))
    assert config_differences(old, cfg.to_dict()) == [
        ('model.x', f"<__import__('os').system('touch {marker}')>", 0)]


def test_a_checkpoint_without_config_is_not_compared(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(work_dir_guard, 'print_log', lambda msg, **kw: logged.append(msg))
    torch.save({'state_dict': {}}, str(tmp_path / 'epoch_1.pth'))
    check_work_dir_config(Config(dict(work_dir=str(tmp_path), model=dict(type='X'))))
    assert logged == [f"{tmp_path}/epoch_1.pth holds no config (meta.cfg): its config is "
                      "not compared with this run's"]


def test_training_fields_leave_out_the_runtime():
    old = dict(model=dict(type='M', data_root='a', dims=(1, 2)), work_dir='a', launcher='none',
               default_hooks=dict(checkpoint=dict(interval=1), sampler=dict(type='S')),
               val_dataloader=dict(batch_size=1), iterations=5)  # a variable: ignored
    new = dict(model=dict(type='M', data_root='b', dims=[1, 2]), work_dir='b',
               default_hooks=dict(checkpoint=dict(interval=5), sampler=dict(type='S2')))
    assert training_fields(old) == {'model.type': 'M', 'model.dims.0': 1, 'model.dims.1': 2,
                                    'default_hooks.sampler.type': 'S'}
    diffs = config_differences(old, new)
    assert diffs == [('default_hooks.sampler.type', 'S', 'S2')]
    assert describe_differences(diffs * 6) == ("default_hooks.sampler.type: 'S' -> 'S2'; "
                                               * 4)[:-2] + ' (and 2 more)'


def test_a_configs_text_reads_back_equal():
    cfg = Config.fromfile(str(REPO / 'configs/dscnet_demo.py'))
    cfg.model.extra = dict(t=(1, -2.5), nan=float('nan'), inf=-float('inf'), s={3, 1})
    old = parse_config_text(cfg.pretty_text)
    assert len(training_fields(old)) > 150
    assert config_differences(old, cfg.to_dict()) == []
    cfg.model.extra.s = {3, 2}
    # sets compare sorted: [1, 3] vs [2, 3]
    assert config_differences(old, cfg.to_dict()) == [('model.extra.s.0', 1, 2)]
