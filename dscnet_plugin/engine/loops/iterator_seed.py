"""The one number a DataLoader iterator draws: replayed by the resident
loops so that skipping the iterator leaves the random stream as it was."""
import torch
from torch.utils.data import DataLoader


def draw_iterator_seed(loader: DataLoader, drawn: bool) -> bool:
    """Draw from ``loader.generator`` (the global RNG by default) the base
    seed a new iterator of ``loader`` would draw: every pass, or only the
    first (``drawn`` False) with persistent workers, whose one iterator
    lives on. Returns whether the seed has now been drawn."""
    if loader.persistent_workers and loader.num_workers > 0 and drawn:
        return True
    torch.empty((), dtype=torch.int64).random_(generator=loader.generator)
    return True
