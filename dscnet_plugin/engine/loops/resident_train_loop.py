"""The epoch-based training loop with device-resident training features."""
import time
from typing import List, Optional, Tuple

import torch
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop

from ...registry import LOOPS
from ...utils import SetupError
from .iterator_seed import draw_iterator_seed
from .resident_features import DTYPES, ResidentFeatures, fits_on, resident_bytes

MODES = ('auto', 'resident', 'streaming')


class ResidentMemoryError(SetupError, RuntimeError):
    """``features='resident'`` and the training features do not fit."""


@LOOPS.register_module()
class ResidentEpochBasedTrainLoop(EpochBasedTrainLoop):
    """:class:`~mmengine.runner.EpochBasedTrainLoop` whose epochs draw their
    batches by index from the training features held on the model's device.

    Before ``before_train`` the loop reads every training video once
    through the dataset's pipeline (resampled, ``N x T x D``, in
    ``dtype``) onto the model's device, when they fit; each epoch then
    takes its batches' indices from the dataloader's own batch sampler (so
    the order, ``batch_size``, ``drop_last`` and the per-epoch seed of
    ``DistSamplerSeedHook`` are exactly the streaming path's) and gathers
    them on the device; no worker reads a file again.
    :class:`~dscnet_plugin.engine.IterativeRelabelHook` labels from the same
    tensor (:attr:`resident`). When they do not fit, or with
    ``features='streaming'``, the loop is mmengine's. The choice and its
    reason are logged. The training pipeline must be deterministic (no
    augmentation): it runs once. The epochs draw the same numbers from the
    global RNG as the streaming path's, so on the same seed both train the
    same model (float32).

    Args:
        features: ``'auto'`` (resident when they fit), ``'resident'``
            (resident, an error when they do not fit) or ``'streaming'``
            (the per-sample DataLoader every epoch).
        dtype: Storage of the resident features: ``'float32'`` (the same
            numbers as streaming), ``'bfloat16'`` or ``'float16'`` (half the
            memory; batches are cast back to float32).
        memory_fraction: On CUDA, the share of the free device memory the
            features may take.
        cpu_limit_gb: On the CPU, the most GiB they may take.
        load_batch_size: Videos per batch of the one reading pass.
        dataloader, max_epochs, val_begin, val_interval, dynamic_intervals:
            :class:`~mmengine.runner.EpochBasedTrainLoop`'s.
    """

    def __init__(self, runner, dataloader, max_epochs: int, val_begin: int = 1,
                 val_interval: int = 1,
                 dynamic_intervals: Optional[List[Tuple[int, int]]] = None,
                 features: str = 'auto', dtype: str = 'float32',
                 memory_fraction: float = 0.5, cpu_limit_gb: float = 8.0,
                 load_batch_size: int = 64) -> None:
        if features not in MODES:
            raise SetupError(f'train_cfg.features must be one of {MODES}, got {features!r}')
        if dtype not in DTYPES:
            raise SetupError(f'train_cfg.dtype must be one of {tuple(DTYPES)}, got {dtype!r}')
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval,
                         dynamic_intervals)
        self.features = features
        self.dtype = DTYPES[dtype]
        self.memory_fraction = memory_fraction
        self.cpu_limit_gb = cpu_limit_gb
        self.load_batch_size = load_batch_size
        #: The resident features (None: streaming).
        self.resident: Optional[ResidentFeatures] = None
        self._seed_drawn = False

    def _device(self) -> torch.device:
        model = self.runner.model
        model = getattr(model, 'module', model)
        buffers = list(model.buffers()) + list(model.parameters())
        return buffers[0].device if buffers else torch.device('cpu')

    def make_resident(self) -> None:
        """Load the training features onto the device when the mode and
        the memory allow (logged either way)."""
        if self.features == 'streaming' or self.resident is not None:
            if self.features == 'streaming':
                print_log('[resident] features=streaming: the DataLoader reads every epoch',
                          logger='current')
            return
        dataset, device = self.dataloader.dataset, self._device()
        nbytes = resident_bytes(dataset, self.dtype)
        why_not = fits_on(device, nbytes, self.memory_fraction, self.cpu_limit_gb)
        if why_not is not None:
            if self.features == 'resident':
                raise ResidentMemoryError(
                    f'train_cfg.features=resident, but the training features do not fit: '
                    f'{why_not}; use features=auto (streams then) or a smaller dtype')
            print_log(f'[resident] streaming: the training features do not fit ({why_not})',
                      logger='current')
            return
        start = time.perf_counter()
        self.resident = ResidentFeatures.load(
            dataset, device, self.dtype, self.load_batch_size, self.dataloader.num_workers)
        shape = 'x'.join(map(str, self.resident.feats.shape))
        print_log(f'[resident] {shape} {str(self.dtype).replace("torch.", "")} training '
                  f'features on {device} ({self.resident.nbytes / 2**20:.1f} MiB, read in '
                  f'{time.perf_counter() - start:.1f} s)', logger='current')

    def _consume_iterator_seed(self) -> None:
        """Draw what a DataLoader iterator would (every epoch; once with
        persistent workers), so that both paths see the same random stream
        (dropout, sampling) and train the same model."""
        self._seed_drawn = draw_iterator_seed(self.dataloader, self._seed_drawn)

    def run(self) -> torch.nn.Module:
        self.make_resident()
        return super().run()

    def run_epoch(self) -> None:
        """One epoch; resident: batches gathered on the device in the batch
        sampler's order."""
        if self.resident is None:
            return super().run_epoch()
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        self._consume_iterator_seed()
        for idx, indices in enumerate(self.dataloader.batch_sampler):
            self.run_iter(idx, self.resident.batch(indices))
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
