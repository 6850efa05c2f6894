"""One training per work dir: the second one fails at once, naming the first."""
import os
import socket
import signal
import sys
import time

import pytest
from mmengine.config import Config

from dscnet_plugin.engine import WorkDirError, WorkDirLock, guarded_training, launch_rank
from dscnet_plugin.engine import work_dir_lock
from tests.tool_loader import REPO, load_tool

HOST = socket.gethostname()


def start_holder(work_dir) -> int:
    """A forked training stand-in that holds the lock of ``work_dir`` until
    killed; returns its pid once it holds it."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: lock, tell, wait to be killed
        try:
            WorkDirLock(str(work_dir)).acquire()
            os.write(write_end, b'locked')
            time.sleep(300)
        finally:
            os._exit(0)
    os.close(write_end)
    assert os.read(read_end, 6) == b'locked'
    os.close(read_end)
    return pid


@pytest.fixture
def logged(monkeypatch):
    lines = []
    monkeypatch.setattr(work_dir_lock, 'print_log', lambda msg, **kw: lines.append(msg))
    return lines


def test_a_second_training_fails_at_once_and_a_killed_ones_lock_is_taken_over(
        tmp_path, monkeypatch, logged):
    work_dir = tmp_path / 'work'
    holder = start_holder(work_dir)
    try:
        tool = load_tool('tools/train.py')
        monkeypatch.setattr(sys, 'argv', ['train.py', str(REPO / 'configs/dscnet_demo.py'),
                                          '--work-dir', str(work_dir)])
        start = time.monotonic()
        with pytest.raises(SystemExit) as e:
            tool.run_tool(tool.main)
        assert time.monotonic() - start < 10  # config and lock only: no data, no model
        assert str(e.value.code) == (
            f'error: {work_dir} is in use by another training (pid {holder} on '
            f'{HOST}, lock file {work_dir}/.lock); wait for it to end, or pass another '
            '--work-dir')
        assert sorted(p.name for p in work_dir.iterdir()) == ['.lock']  # nothing written
    finally:
        os.kill(holder, signal.SIGKILL)
        os.waitpid(holder, 0)
    # the killed holder's pid is still in the file, but nobody holds the lock
    assert (work_dir / '.lock').read_text() == f'{holder} {HOST}\n'
    with WorkDirLock(str(work_dir)):
        assert (work_dir / '.lock').read_text() == f'{os.getpid()} {HOST}\n'
    assert logged == [f'{work_dir}/.lock: taking over the lock of pid {holder} on {HOST}, '
                      'which is ended (an interrupted run)']
    assert (work_dir / '.lock').read_text() == ''  # released


def test_the_lock_is_exclusive_and_released(tmp_path, logged):
    lock = WorkDirLock(str(tmp_path / 'w')).acquire()
    with pytest.raises(WorkDirError) as e:
        WorkDirLock(str(tmp_path / 'w')).acquire()  # another open file: refused
    assert str(e.value).startswith(f'{tmp_path}/w is in use by another training '
                                   f'(pid {os.getpid()} on {HOST}, ')
    lock.release()
    lock.release()  # idempotent
    with WorkDirLock(str(tmp_path / 'w')):
        pass
    assert logged == []  # an emptied file is no interrupted run


@pytest.mark.parametrize('rank, locked', [('0', True), ('1', False)])
def test_under_ddp_only_rank_0_locks(tmp_path, monkeypatch, rank, locked):
    monkeypatch.setenv('RANK', rank)
    cfg = Config(dict(work_dir=str(tmp_path / 'w'), launcher='pytorch'))
    assert launch_rank(cfg) == int(rank)
    assert launch_rank(Config(dict(launcher='none'))) == 0
    with guarded_training(cfg):
        assert (tmp_path / 'w' / '.lock').exists() == locked
