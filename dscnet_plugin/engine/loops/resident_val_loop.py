"""The validation loop whose batches, read once, stay on the model's device."""
import time
from typing import Callable, Dict, Iterator, List, Optional, Union

import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import ValLoop
from torch.utils.data import DataLoader, Dataset

from ...registry import LOOPS
from ...utils import SetupError
from .iterator_seed import draw_iterator_seed
from .resident_features import fits_on
from .resident_train_loop import MODES, ResidentMemoryError


def item_bytes(dataset: Dataset) -> int:
    """Bytes of the tensors of ``len(dataset)`` items the size of the first
    one's ``inputs`` (the pipeline resamples every video to the same ``T``)."""
    if len(dataset) == 0:
        return 0
    inputs = dataset[0]['inputs']
    values = inputs.values() if isinstance(inputs, dict) else [inputs]
    per_item = sum(v.numel() * v.element_size() for v in values if isinstance(v, torch.Tensor))
    return per_item * len(dataset)


class ResidentBatches:
    """A stand-in for ``loader``: its first pass reads ``loader`` and keeps
    every batch, moved to the device by ``cast``; later passes replay them,
    drawing the number a new DataLoader iterator would draw (the random
    stream stays the streaming path's). Everything but iteration is the
    wrapped loader's (``dataset``, ``batch_size``, ...).

    Args:
        loader: The validation DataLoader.
        cast: Moves a collated batch to the model's device (the data
            preprocessor's ``cast_data``).
    """

    def __init__(self, loader: DataLoader, cast: Callable[[dict], dict]) -> None:
        self.loader, self.cast = loader, cast
        #: The batches of the first complete pass (None until then).
        self.batches: Optional[List[dict]] = None
        self._seed_drawn = False

    def __len__(self) -> int:
        return len(self.loader)

    def __getattr__(self, name: str):
        if name in ('loader', 'cast', 'batches', '_seed_drawn'):  # not set yet
            raise AttributeError(name)
        return getattr(self.loader, name)

    def __iter__(self) -> Iterator[dict]:
        if self.batches is None:
            return self._first_pass()
        self._seed_drawn = draw_iterator_seed(self.loader, self._seed_drawn)
        return iter(self.batches)

    def _first_pass(self) -> Iterator[dict]:
        self._seed_drawn = True  # the real iterator draws it
        batches = []
        for batch in self.loader:
            batch = self.cast(batch)
            batches.append(batch)
            yield batch
        self.batches = batches  # an interrupted pass keeps nothing


@LOOPS.register_module()
class ResidentValLoop(ValLoop):
    """:class:`~mmengine.runner.ValLoop` whose first pass keeps every
    collated batch on the model's device, so that the later validations of
    a run (e.g. one after each relabel iteration) read no file and run no
    pipeline. The batches and the metrics are the streaming path's.

    Args:
        features: ``'auto'`` (resident when the validation items fit),
            ``'resident'`` (an error when they do not fit) or
            ``'streaming'`` (the DataLoader every validation).
        memory_fraction: On CUDA, the share of the free device memory the
            kept batches may take.
        cpu_limit_gb: On the CPU, the most GiB they may take.
        dataloader, evaluator, fp16: :class:`~mmengine.runner.ValLoop`'s.
    """

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List], fp16: bool = False,
                 features: str = 'auto', memory_fraction: float = 0.25,
                 cpu_limit_gb: float = 4.0) -> None:
        if features not in MODES:
            raise SetupError(f'val_cfg.features must be one of {MODES}, got {features!r}')
        super().__init__(runner, dataloader, evaluator, fp16)
        self.features = features
        self.memory_fraction, self.cpu_limit_gb = memory_fraction, cpu_limit_gb
        self._decided = False

    def make_resident(self) -> None:
        """Wrap the dataloader in :class:`ResidentBatches` once, when the
        mode and the memory allow (logged either way)."""
        if self._decided:
            return
        self._decided = True
        if self.features == 'streaming':
            print_log('[resident] val_cfg.features=streaming: the DataLoader reads every '
                      'validation', logger='current')
            return
        model = self.runner.model.module if is_model_wrapper(self.runner.model) \
            else self.runner.model
        device = model.data_preprocessor.device
        start = time.perf_counter()
        nbytes = item_bytes(self.dataloader.dataset)
        why_not = fits_on(device, nbytes, self.memory_fraction, self.cpu_limit_gb)
        if why_not is not None:
            if self.features == 'resident':
                raise ResidentMemoryError(f'val_cfg.features=resident, but the validation '
                                          f'batches do not fit: {why_not}')
            print_log(f'[resident] validation streams: its batches do not fit ({why_not})',
                      logger='current')
            return
        self.dataloader = ResidentBatches(self.dataloader, model.data_preprocessor.cast_data)
        print_log(f'[resident] validation batches kept on {device} after the first pass '
                  f'({nbytes / 2**20:.1f} MiB; sized in {time.perf_counter() - start:.2f} s)',
                  logger='current')

    def run(self) -> dict:
        self.make_resident()
        return super().run()
