"""Checkpoints are written atomically and --resume skips incomplete ones."""
import types

import pytest
import torch

from dscnet_plugin.engine import (AtomicLocalBackend, SafeCheckpointHook,
                                  is_complete_checkpoint, latest_complete_checkpoint)
from dscnet_plugin.utils import atomic_files
from tests.tool_loader import load_tool


def _save(path, value):
    torch.save({'state_dict': {'w': torch.full((64,), float(value))}}, str(path))


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def test_crash_during_put_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / 'epoch_1.pth'
    target.write_bytes(b'old complete checkpoint')

    def crash(src, dst):  # the process dies between writing and renaming
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic_files.os, 'replace', crash)
    with pytest.raises(KeyboardInterrupt):
        AtomicLocalBackend().put(b'new checkpoint, never completed', str(target))
    assert target.read_bytes() == b'old complete checkpoint'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['epoch_1.pth']  # no temp left


def test_put_replaces_the_file_and_text(tmp_path):
    backend = AtomicLocalBackend()
    backend.put(b'abc', str(tmp_path / 'sub' / 'f.bin'))
    backend.put(b'xyz', str(tmp_path / 'sub' / 'f.bin'))
    backend.put_text('pointer', str(tmp_path / 'last_checkpoint'))
    assert (tmp_path / 'sub' / 'f.bin').read_bytes() == b'xyz'
    assert (tmp_path / 'last_checkpoint').read_text() == 'pointer'


def test_is_complete_checkpoint(tmp_path):
    good, bad = tmp_path / 'good.pth', tmp_path / 'bad.pth'
    _save(good, 1)
    _save(bad, 2)
    _truncate(bad)
    assert is_complete_checkpoint(str(good))
    assert not is_complete_checkpoint(str(bad))
    assert not is_complete_checkpoint(str(tmp_path / 'missing.pth'))


def test_latest_complete_checkpoint_skips_a_truncated_latest(tmp_path):
    for epoch in (1, 2, 3):
        _save(tmp_path / f'epoch_{epoch}.pth', epoch)
    _truncate(tmp_path / 'epoch_3.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    assert latest_complete_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')
    # a complete latest one is taken as named
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_1.pth'))
    assert latest_complete_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_1.pth')
    # an empty pointer (a crash while writing it) falls back to the newest complete
    (tmp_path / 'last_checkpoint').write_text('')
    assert latest_complete_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')


def test_no_checkpoint_means_a_fresh_start(tmp_path):
    assert latest_complete_checkpoint(str(tmp_path)) is None


def test_train_tool_resumes_from_the_newest_complete_checkpoint(tmp_path):
    train_tool = load_tool('tools/train.py')
    from mmengine.config import Config
    for epoch in (1, 2):
        _save(tmp_path / f'epoch_{epoch}.pth', epoch)
    _truncate(tmp_path / 'epoch_2.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    cfg = Config(dict(work_dir=str(tmp_path), optim_wrapper=dict(type='OptimWrapper')))
    args = types.SimpleNamespace(config='x.py', cfg_options=None, work_dir=str(tmp_path),
                                 launcher='none', amp=False, resume='auto', no_validate=False,
                                 seed=None, deterministic=False)
    cfg = train_tool.merge_args(cfg, args)
    assert cfg.resume is True
    assert cfg.load_from == str(tmp_path / 'epoch_2.pth').replace('epoch_2', 'epoch_1')


def test_safe_hook_defaults_to_the_atomic_backend():
    hook = SafeCheckpointHook(interval=1)
    assert hook.backend_args == dict(backend='atomic_local')
