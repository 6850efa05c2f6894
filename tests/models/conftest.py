"""Shared settings of the model tests."""
import pytest
import torch


@pytest.fixture(autouse=True)
def single_torch_thread():
    """The model tests use tiny tensors: intra-op threads only add OpenMP
    hand-off cost, which becomes seconds per test on a loaded 2-core
    machine. One thread per test; the previous setting is restored."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
