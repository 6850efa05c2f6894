"""A failed write names its file (``OutputFileError``), and the tools end
with the message of the package's errors, also those raised in DataLoader
workers (``run_tool``)."""
import builtins
import errno
import os

import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from dscnet_plugin.datasets import FeatureError
from dscnet_plugin.engine import AtomicLocalBackend
from dscnet_plugin.utils import OutputFileError, atomic_files, atomic_text, run_tool


@pytest.fixture
def full_disk(monkeypatch):
    """Every atomic write goes to ``/dev/full`` (ENOSPC from the kernel)."""
    if not os.path.exists('/dev/full'):
        pytest.skip('needs /dev/full')

    def open_(file, mode='r', *args, **kwargs):
        return builtins.open('/dev/full' if 'w' in mode else file, mode, *args, **kwargs)

    monkeypatch.setattr(atomic_files, 'open', open_, raising=False)


def test_a_full_disk_names_the_file_and_leaves_no_temporary(tmp_path, full_disk):
    target = tmp_path / 'out' / 'metrics.json'
    for write in (lambda: atomic_text(str(target), '{}'),
                  lambda: AtomicLocalBackend().put(b'weights', target)):
        with pytest.raises(OutputFileError) as err:
            write()
        assert str(err.value) == f'no space left on device while writing {target}'
        assert err.value.errno == errno.ENOSPC and err.value.path == str(target)
        assert err.value.__cause__ is None and err.value.__suppress_context__
        assert list((tmp_path / 'out').iterdir()) == []


def test_a_folder_that_is_a_file_names_the_output(tmp_path):
    (tmp_path / 'taken').write_text('a file')
    with pytest.raises(OutputFileError) as err:
        atomic_text(str(tmp_path / 'taken' / 'result.json'), '[]')
    assert str(err.value) == f'file exists while writing {tmp_path}/taken/result.json'


class _BrokenFeatures(Dataset):

    def __len__(self):
        return 2

    def __getitem__(self, index):
        raise FeatureError('feats/v1.npy', 'feature has shape (3,), expected rank 2 (T x D)',
                           'v1')


def test_run_tool_ends_with_the_message_of_a_worker_error():
    def main():
        next(iter(DataLoader(_BrokenFeatures(), num_workers=1)))

    with pytest.raises(RuntimeError, match='Caught FeatureError in DataLoader worker'):
        main()  # torch cannot rebuild the error in the main process
    with pytest.raises(SystemExit) as exit_info:
        run_tool(main)
    assert exit_info.value.code == ("error: feats/v1.npy, id 'v1': feature has shape (3,), "
                                    'expected rank 2 (T x D)')


def test_run_tool_ends_with_the_message_of_a_missing_file():
    def main():
        raise FileNotFoundError("checkpoint 'nope.pth' not found")

    with pytest.raises(SystemExit) as exit_info:
        run_tool(main)
    assert exit_info.value.code == "error: checkpoint 'nope.pth' not found"


def test_run_tool_leaves_other_errors_alone():
    def main():
        raise RuntimeError('a bug')

    with pytest.raises(RuntimeError, match='^a bug$'):
        run_tool(main)
    assert run_tool(lambda: torch.zeros(1).sum().item()) == 0.0
