"""``safe_torch_load`` and the checkpoint globals: genuine mmengine
checkpoints load, code-running pickles are refused (also by a bare
``torch.load(weights_only=True)`` and by mmengine's loaders once the plugin
is imported), broken files are named."""
import os
import pickle
import pickletools
import zipfile
from pathlib import Path

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.runner import load_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

from dscnet_plugin.datasets import CheckpointError, FeatureError, UnsafeFileError
from dscnet_plugin.utils import (load_from_safe_local, register_checkpoint_globals,
                                 safe_torch_load)
from tests.payloads import PAYLOADS, refusal


def _genuine(path: Path) -> Path:
    """A checkpoint as an mmengine Runner writes it: weights, and a message
    hub whose ``HistoryBuffer`` statistics pickle through ``getattr``."""
    hub = MessageHub.get_instance('safe_load_test')
    for value in (0.5, 0.25):
        hub.update_scalar('train/loss', value)
    hub.update_info('epoch', 3)
    torch.save({'meta': {'epoch': 3}, 'state_dict': {'w': torch.arange(4.0)},
                'message_hub': hub.state_dict()}, str(path))
    return path


def _globals(path: Path) -> set:
    with zipfile.ZipFile(path) as archive:
        data = archive.read(next(n for n in archive.namelist() if n.endswith('data.pkl')))
    return {arg for op, arg, _ in pickletools.genops(data) if op.name == 'GLOBAL'}


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / 'MARKER'
    yield path
    assert not path.exists(), 'a payload ran'


def test_a_genuine_checkpoint_loads_with_its_history_buffers(tmp_path):
    path = _genuine(tmp_path / 'genuine.pth')
    assert {'__builtin__ getattr', 'mmengine.logging.history_buffer HistoryBuffer'} \
        <= _globals(path)
    for loaded in (safe_torch_load(path), torch.load(path, weights_only=True),
                   _load_checkpoint(str(path), map_location='cpu')):
        buffer = loaded['message_hub']['log_scalars']['train/loss']
        assert buffer.mean() == 0.375 and buffer.current() == 0.25
        assert torch.equal(loaded['state_dict']['w'], torch.arange(4.0))


@pytest.mark.parametrize('payload', PAYLOADS)
def test_payloads_are_refused_by_every_loader(tmp_path, marker, payload):
    path = PAYLOADS[payload](tmp_path / 'evil.pth', marker)
    with pytest.raises(UnsafeFileError) as err:
        safe_torch_load(path)
    assert str(err.value) == f'{path}: {refusal(payload)}'
    assert err.value.__cause__ is None and err.value.__suppress_context__
    with pytest.raises(FeatureError) as err:
        safe_torch_load(path, 'feature file', error=FeatureError, where='v1')
    assert str(err.value) == f"{path}, id 'v1': {refusal(payload, 'feature file')}"
    with pytest.raises(pickle.UnpicklingError):  # the plugin imported: torch refuses too
        torch.load(path, weights_only=True)
    model = torch.nn.Linear(1, 1)
    for load in (lambda: _load_checkpoint(str(path)), lambda: load_checkpoint(model, str(path)),
                 lambda: CheckpointLoader.load_checkpoint(str(path))):
        with pytest.raises(UnsafeFileError):
            load()


def test_the_gadget_needs_plain_getattr_which_is_never_kept(tmp_path, marker):
    """Plain torch refuses the gadget; with plain ``getattr`` allowed (the
    former allow-list) it runs its code; the plugin removes such an entry
    before it loads."""
    path = PAYLOADS['gadget'](tmp_path / 'gadget.pth', marker)
    assert _globals(path) == {'__builtin__ getattr', 'torch Tensor',
                              'torch._tensor _rebuild_from_type_v2'}
    saved = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        with pytest.raises(pickle.UnpicklingError, match='GLOBAL getattr was not an allowed global'):
            torch.load(path, weights_only=True)
        torch.serialization.add_safe_globals([getattr])
        with pytest.raises(AttributeError):  # eval(CODE) returned None: too late
            torch.load(path, weights_only=True)
        assert marker.is_file()
        marker.unlink()
        # someone registers plain getattr next to the plugin's stand-in
        torch.serialization.add_safe_globals(saved)
        with pytest.raises(UnsafeFileError):
            safe_torch_load(path)
        assert getattr not in torch.serialization.get_safe_globals()
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(saved)
    register_checkpoint_globals()
    assert getattr not in torch.serialization.get_safe_globals()


def test_broken_files_are_named(tmp_path):
    genuine = _genuine(tmp_path / 'genuine.pth').read_bytes()
    cases = {'truncated.pth': genuine[:len(genuine) // 2], 'empty.pth': b'',
             'text.pth': b'hello\n', 'pickle.pth': pickle.dumps({'a': 1}, protocol=2)}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    expected = {
        'truncated.pth': 'truncated or corrupt checkpoint (not a complete torch archive)',
        'empty.pth': 'empty file (0 bytes), not a checkpoint',
        'text.pth': 'not a checkpoint written by torch.save',
        'pickle.pth': ('not a checkpoint written by torch.save (Invalid magic number; '
                       'corrupt file?)'),
        'missing.pth': 'checkpoint not found'}
    for name, what in expected.items():
        with pytest.raises(CheckpointError) as err:
            safe_torch_load(tmp_path / name)
        assert str(err.value) == f'{tmp_path / name}: {what}'
        assert not isinstance(err.value, UnsafeFileError)
    with pytest.raises(CheckpointError, match=f'^{tmp_path}: a directory, not a label history$'):
        safe_torch_load(tmp_path, what='label history')


def test_mmengine_local_loads_go_through_the_safe_loader(tmp_path):
    assert CheckpointLoader._get_checkpoint_loader(str(tmp_path / 'x.pth')) \
        is load_from_safe_local
    assert CheckpointLoader._get_checkpoint_loader('https://host/x.pth').__name__ \
        == 'load_from_http'
    with pytest.raises(CheckpointError, match='x.pth: checkpoint not found$'):
        _load_checkpoint(str(tmp_path / 'x.pth'))
    home = Path(os.path.expanduser('~'))
    if os.access(home, os.W_OK):  # ~ is expanded, as by mmengine's loader
        path = _genuine(home / '.dscnet_safe_load_test.pth')
        try:
            assert 'state_dict' in load_from_safe_local('~/.dscnet_safe_load_test.pth')
        finally:
            path.unlink()
