"""Untrusted and broken files at every entry point of ``tools/``: no code
runs, the run ends with ``error: <file>: <what is wrong>`` (no traceback),
and genuine files still work.

One tiny DSCNet is trained for the module (checkpoints of epochs 1..4 and a
label history); each test then runs a tool's ``main`` in-process, as
``python tools/<tool>.py ...`` does (through ``run_tool``), in the module's
folder (relative paths: exact messages).
"""
import builtins
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import h5py
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from dscnet_plugin.apis import init_model
from dscnet_plugin.datasets import UnsafeFileError
from dscnet_plugin.registry import DATASETS
from dscnet_plugin.utils import atomic_files, build_pinned, safe_torch_load
from tests.engine.tiny_config import (TINY_EPOCHS, close_file_logs, hook_cfg, isolated_run,
                                      make_tiny_cfg)
from tests.payloads import PAYLOADS, refusal
from tests.tool_loader import load_tool

REPO = Path(__file__).resolve().parents[2]
TOOLS = {name: load_tool(f'tools/{name}.py') for name in ('test', 'infer', 'train', 'visualize')}
#: The architecture change of the mismatch tests (the checkpoint has 2 necks).
MORE_NECKS = 'model.text_encoder.num_necks=4'


@pytest.fixture(scope='module', autouse=True)
def fast_pretty_text():
    """mmengine formats the config with yapf (~1.7 s for the tiny one) at
    start-up and into every checkpoint; these tests read neither, so a
    plain ``key = repr(value)`` text (still a loadable config) stands in."""
    with mock.patch.object(Config, 'pretty_text', property(
            lambda cfg: '\n'.join(f'{k} = {v!r}' for k, v in cfg.to_dict().items()))):
        yield


@pytest.fixture(scope='module')
def run(tmp_path_factory, fast_pretty_text):
    """Train the tiny DSCNet (a checkpoint per epoch, the label history of
    video 0) and write the hostile files, each payload once per kind."""
    root = tmp_path_factory.mktemp('untrusted_files')
    with isolated_run(root):
        cfg = make_tiny_cfg(Path('data'), Path('work'))
        cfg.custom_hooks = [h for h in cfg.custom_hooks
                            if h['type'] != 'PriorComparisonHook']
        hook_cfg(cfg, 'IterativeRelabelHook').update(record_videos=[0])
        cfg.dump('tiny.py')
        runner = Runner.from_cfg(Config(dict(cfg.to_dict(), experiment_name='untrusted')))
        runner.train()
        close_file_logs(runner)
        assert sorted(p.name for p in Path('work').glob('*.pth')) == [
            f'epoch_{e}.pth' for e in range(1, TINY_EPOCHS + 1)]
        dataset = build_pinned(DATASETS, cfg.test_dataloader.dataset)
        first = dataset.get_data_info(0)['video_id']
        with h5py.File('data/features.hdf5', 'r') as f:
            features = {vid: f[vid][()] for vid in f.keys()}
        np.save('video.npy', features[first])
        for name, write in PAYLOADS.items():
            write(Path(f'evil_{name}.pth'), root / f'MARKER_{name}')
            # a feature folder of the test videos whose first one is hostile
            folder = Path('data', f'pt_{name}')
            folder.mkdir()
            for vid, feats in features.items():
                torch.save(torch.from_numpy(feats), folder / f'{vid}.pt')
            write(folder / f'{first}.pt', root / f'MARKER_{name}')
            cfg.test_dataloader.dataset.pipeline.load.reader.path = f'pt_{name}'
            cfg.dump(f'tiny_pt_{name}.py')
        Path('hostile').mkdir()
        for name, write in PAYLOADS.items():
            write(Path('hostile', f'{name}.pt'), root / f'MARKER_{name}')
        yield SimpleNamespace(root=root, config='tiny.py', checkpoint='work/epoch_4.pth',
                              first_video=first)
    markers = sorted(p.name for p in root.glob('MARKER_*'))
    assert not markers, f'a payload ran: {markers}'


@pytest.fixture(autouse=True)
def no_payload_ran(run):
    yield
    assert not list(run.root.glob('MARKER_*')), 'a payload ran'


def _fails(tool: str, *argv: str) -> str:
    """Run ``tools/<tool>.py argv`` as from the command line; it must exit
    with an error: return its message."""
    module = TOOLS[tool]
    with mock.patch.object(sys, 'argv', [f'tools/{tool}.py', *argv]), \
            pytest.raises(SystemExit) as exit_info:
        module.run_tool(module.main)
    return exit_info.value.code


def _runs(tool: str, *argv: str) -> None:
    module = TOOLS[tool]
    with mock.patch.object(sys, 'argv', [f'tools/{tool}.py', *argv]):
        module.run_tool(module.main)


def _work_dir(run, name: str, last_epoch: int, **files) -> Path:
    """A work dir with checkpoints 1..``last_epoch`` of the trained run
    (``last_checkpoint`` naming the last), a config copy of the same name
    (its own logger), and ``files`` (name -> bytes)."""
    folder = run.root / name
    folder.mkdir()
    for epoch in range(1, last_epoch + 1):
        shutil.copy(run.root / 'work' / f'epoch_{epoch}.pth', folder)
    (folder / 'last_checkpoint').write_text(str(folder / f'epoch_{last_epoch}.pth'))
    for file, data in files.items():
        (folder / file).write_bytes(data)
    shutil.copy(run.root / run.config, run.root / f'{name}.py')
    return folder


def _log(folder: Path) -> str:
    return '\n'.join(p.read_text(encoding='utf-8') for p in sorted(folder.glob('*/*.log')))


def _disk_full(monkeypatch, suffix: str) -> None:
    """Atomic writes of files ending in ``suffix`` go to ``/dev/full`` (the
    kernel answers ENOSPC)."""
    if not os.path.exists('/dev/full'):
        pytest.skip('needs /dev/full')

    def open_(file, mode='r', *args, **kwargs):
        if 'w' in mode and str(file).endswith(suffix):
            file = '/dev/full'
        return builtins.open(file, mode, *args, **kwargs)

    monkeypatch.setattr(atomic_files, 'open', open_, raising=False)


# ----------------------------------------------------------------------------
# hostile checkpoints: refused at every entry point, nothing runs
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('payload', PAYLOADS)
def test_test_tool_refuses_a_hostile_checkpoint(run, payload):
    assert _fails('test', run.config, f'evil_{payload}.pth', '--work-dir', 'wd_test') == \
        f'error: evil_{payload}.pth: {refusal(payload)}'


@pytest.mark.parametrize('payload', PAYLOADS)
def test_infer_tool_refuses_a_hostile_checkpoint(run, payload):
    assert _fails('infer', run.config, f'evil_{payload}.pth', '--video', 'video.npy',
                  '--query', 'a person opens the door') == \
        f'error: evil_{payload}.pth: {refusal(payload)}'


@pytest.mark.parametrize('payload', PAYLOADS)
@pytest.mark.parametrize('file, what', [('epoch_3.pth', 'checkpoint'),
                                        ('label_history.pt', 'label history')])
def test_train_tool_resume_refuses_a_hostile_file(run, payload, file, what):
    """The last checkpoint of the work dir, or the label history next to a
    genuine one."""
    name = f'resume_{payload}_{file.split(".")[0]}'
    folder = _work_dir(run, name, 2 if file.endswith('.pth') else 3)
    PAYLOADS[payload](folder / file, run.root / f'MARKER_{payload}')
    if file.endswith('.pth'):
        (folder / 'last_checkpoint').write_text(str(folder / file))
    assert _fails('train', f'{name}.py', '--work-dir', name, '--resume') == \
        f'error: {folder}/{file}: {refusal(payload, what)}'


@pytest.mark.parametrize('payload', PAYLOADS)
def test_visualize_tool_refuses_a_hostile_checkpoint(run, payload):
    assert _fails('visualize', run.config, f'evil_{payload}.pth', '--kind', 'labels',
                  '--out-dir', 'pictures') == f'error: evil_{payload}.pth: {refusal(payload)}'


# ----------------------------------------------------------------------------
# hostile .pt features, label histories, frames
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('payload', PAYLOADS)
def test_infer_tool_refuses_a_hostile_pt_video(run, payload):
    assert _fails('infer', run.config, run.checkpoint, '--video', f'hostile/{payload}.pt',
                  '--query', 'a person opens the door') == \
        f"error: hostile/{payload}.pt, id '{payload}': {refusal(payload, 'feature file')}"


@pytest.mark.parametrize('payload', PAYLOADS)
def test_test_tool_refuses_a_hostile_pt_in_the_feature_folder(run, payload):
    vid = run.first_video
    assert _fails('test', f'tiny_pt_{payload}.py', run.checkpoint,
                  '--work-dir', 'wd_pt') == \
        f"error: data/pt_{payload}/{vid}.pt, id '{vid}': {refusal(payload, 'feature file')}"


@pytest.mark.parametrize('payload', PAYLOADS)
def test_visualize_tool_refuses_a_hostile_label_history(run, payload):
    assert _fails('visualize', run.config, run.checkpoint, '--kind', 'labels',
                  '--out-dir', 'pictures', '--label-history', f'hostile/{payload}.pt') == \
        f"error: hostile/{payload}.pt: {refusal(payload, 'label history')}"


@pytest.mark.parametrize('payload', PAYLOADS)
def test_extract_features_refuses_hostile_pt_frames(run, payload):
    load_frames = load_tool('tools/data/extract_features.py').load_frames
    with pytest.raises(UnsafeFileError) as err:
        load_frames(f'hostile/{payload}.pt')
    assert str(err.value) == f"hostile/{payload}.pt: {refusal(payload, 'frame file')}"


# ----------------------------------------------------------------------------
# broken and mismatching checkpoints
# ----------------------------------------------------------------------------
def test_test_tool_names_a_truncated_and_an_empty_checkpoint(run):
    data = Path(run.checkpoint).read_bytes()
    Path('truncated.pth').write_bytes(data[:len(data) // 2])
    Path('empty.pth').write_bytes(b'')
    assert _fails('test', run.config, 'truncated.pth', '--work-dir', 'wd_broken') == \
        'error: truncated.pth: truncated or corrupt checkpoint (not a complete torch archive)'
    assert _fails('test', run.config, 'empty.pth', '--work-dir', 'wd_broken') == \
        'error: empty.pth: empty file (0 bytes), not a checkpoint'
    assert _fails('test', run.config, 'missing.pth', '--work-dir', 'wd_broken') == \
        'error: missing.pth: checkpoint not found'


#: The message of the 2-neck checkpoint loaded into a 4-neck model.
MISMATCH = (
    'does not fit the model of tiny.py (a checkpoint of another architecture?): '
    'size mismatch for centers (checkpoint (2, 4, 8), model (4, 4, 8)), '
    'neck_mean (checkpoint (2, 8), model (4, 8)), '
    'center_share (checkpoint (2, 4), model (4, 4)) and 6 more; '
    'missing in the checkpoint: text_encoder.neck_mlps.2.0.weight, '
    'text_encoder.neck_mlps.2.0.bias, text_encoder.neck_mlps.2.2.weight and 17 more')


def test_test_and_infer_tools_load_strictly(run):
    assert _fails('test', run.config, run.checkpoint, '--work-dir', 'wd_arch',
                  '--cfg-options', MORE_NECKS) == f'error: {run.checkpoint}: {MISMATCH}'
    assert _fails('infer', run.config, run.checkpoint, '--video', 'video.npy', '--query',
                  'a person opens the door', '--cfg-options', MORE_NECKS) == \
        f'error: {run.checkpoint}: {MISMATCH}'


def test_a_genuine_checkpoint_loads_with_its_label_bank(run):
    state = safe_torch_load(run.checkpoint)['state_dict']
    model = init_model(Config.fromfile(run.config), run.checkpoint)
    assert model.pseudo_labels.shape == state['pseudo_labels'].shape
    assert torch.equal(model.pseudo_labels, state['pseudo_labels'])
    assert torch.equal(model.centers, state['centers'])
    assert bool(model.labels_ready) and bool(model.centers_ready)


# ----------------------------------------------------------------------------
# outputs: a full disk, leftover temporaries, a resume with nothing to resume
# ----------------------------------------------------------------------------
def test_test_tool_dumps_metrics_and_names_the_file_on_a_full_disk(run, monkeypatch):
    _runs('test', run.config, run.checkpoint, '--work-dir', 'wd_metrics',
          '--dump-metrics', 'out/metrics.json')
    assert {'R1@0.5', 'mIoU'} <= set(json.loads(Path('out/metrics.json').read_text()))
    _disk_full(monkeypatch, 'metrics.json')
    assert _fails('test', run.config, run.checkpoint, '--work-dir', 'wd_metrics',
                  '--dump-metrics', 'out/metrics.json') == \
        'error: no space left on device while writing out/metrics.json'
    assert sorted(p.name for p in Path('out').iterdir()) == ['metrics.json']  # no temp left


def test_infer_tool_names_the_out_file_on_a_full_disk(run, monkeypatch):
    _disk_full(monkeypatch, 'result.json')
    assert _fails('infer', run.config, run.checkpoint, '--video', 'video.npy', '--query',
                  'a person opens the door', '--out', 'result.json') == \
        'error: no space left on device while writing result.json'
    assert not list(Path('.').glob('*result.json'))


@pytest.mark.parametrize('file', ['epoch_4.pth', 'label_history.pt'])
def test_train_tool_names_the_checkpoint_or_history_on_a_full_disk(run, monkeypatch, file):
    name = f'disk_full_{file.split(".")[0]}'
    folder = _work_dir(run, name, 3)
    _disk_full(monkeypatch, file)
    assert _fails('train', f'{name}.py', '--work-dir', name, '--resume') == \
        f'error: no space left on device while writing {folder}/{file}'
    assert sorted(p.name for p in folder.glob('*.pth')) == [
        'epoch_1.pth', 'epoch_2.pth', 'epoch_3.pth']
    assert not list(folder.glob('.tmp-*'))


def test_resume_removes_leftover_temporaries_and_tolerates_a_broken_history(run):
    history = (run.root / 'work' / 'label_history.pt').read_bytes()
    folder = _work_dir(run, 'resume_ok', 2, **{
        '.tmp-a1b2c3d4epoch_3.pth': b'half a checkpoint',
        '.tmp-zz_9yy_8last_checkpoint': b'',
        'label_history.pt': history[:len(history) // 3]})
    _runs('train', 'resume_ok.py', '--work-dir', folder.name, '--resume')
    log = _log(folder)
    assert (f'removed 2 temporary file(s) left in {folder} by an interrupted save: '
            '.tmp-a1b2c3d4epoch_3.pth, .tmp-zz_9yy_8last_checkpoint') in log
    assert (f'[relabel] {folder}/label_history.pt: truncated or corrupt label history (not '
            'a complete torch archive): starting a new label history') in log
    assert not list(folder.glob('.tmp-*'))
    saved = safe_torch_load(folder / 'label_history.pt', what='label history')
    assert saved['epoch'].tolist() == [3, 4]  # the epochs run after the resume
    resumed = safe_torch_load(folder / f'epoch_{TINY_EPOCHS}.pth')['state_dict']
    assert resumed.keys() == safe_torch_load(run.checkpoint)['state_dict'].keys()


def test_train_tool_says_when_there_is_nothing_to_resume(run, tmp_path, monkeypatch):
    tool = TOOLS['train']
    logged = []
    monkeypatch.setattr(tool, 'print_log', lambda msg, **kwargs: logged.append(msg))
    args = tool.argparse.Namespace(config='tiny.py', work_dir=str(tmp_path), cfg_options=None,
                                   launcher='none', amp=False, resume='auto',
                                   no_validate=False, seed=None, deterministic=False)
    cfg = tool.merge_args(Config.fromfile(run.config), args)
    assert cfg.resume is False and cfg.load_from is None
    assert logged == [f'no checkpoint in {tmp_path}: starting from scratch']


def test_the_command_line_shows_the_message_and_no_traceback(run):
    proc = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'infer.py'), run.config, 'evil_gadget.pth',
         '--video', 'video.npy', '--query', 'a person opens the door'],
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO),
                                                         os.environ.get('PYTHONPATH', '')])))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == \
        f'error: evil_gadget.pth: {refusal("gadget")}'
    assert 'Traceback' not in proc.stderr
