"""The resampled features of every training video held as one tensor on the
model's device, drawn from by index (no per-sample DataLoader per epoch)."""
import math
from collections.abc import Sequence as SequenceABC
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader, Dataset

from ...utils import track

#: Storage dtypes of :class:`ResidentFeatures` by config name.
DTYPES = {'float32': torch.float32, 'bfloat16': torch.bfloat16, 'float16': torch.float16}


def resident_bytes(dataset: Dataset, dtype: torch.dtype) -> int:
    """Bytes the features of all ``len(dataset)`` videos take as one
    ``N x T x D`` tensor of ``dtype`` (plus the ``N x T`` mask), from the
    first item (the pipeline resamples every video to the same ``T``)."""
    if len(dataset) == 0:
        return 0
    feat = dataset[0]['inputs']['video_feature']
    per_video = feat.numel() * torch.empty((), dtype=dtype).element_size() + feat.shape[0]
    return per_video * len(dataset)


class ResidentFeatures:
    """``N x T x D`` features, ``N x T`` masks and the packed data samples of
    every training video, read once through the dataset's pipeline.

    Args:
        feats: ``N x T x D`` features (storage ``dtype``).
        mask: ``N x T`` bool, real frames.
        samples: The ``N`` packed data samples (``metainfo['video_index']``).
    """

    def __init__(self, feats: torch.Tensor, mask: torch.Tensor, samples: Sequence) -> None:
        self.feats, self.mask, self.samples = feats, mask, list(samples)
        self.video_index = torch.tensor([int(s.metainfo['video_index']) for s in self.samples],
                                        device=feats.device)
        if not torch.equal(self.video_index.cpu(), torch.arange(len(self.samples))):
            raise ValueError('ResidentFeatures: item i must hold video_index i')

    @classmethod
    def load(cls, dataset: Dataset, device: torch.device, dtype: torch.dtype = torch.float32,
             batch_size: int = 64, num_workers: int = 0) -> 'ResidentFeatures':
        """Read every item of ``dataset`` in order (``num_workers`` loader
        processes) into tensors on ``device``."""
        loader = DataLoader(dataset, batch_size=batch_size, shuffle=False,
                            num_workers=num_workers, collate_fn=pseudo_collate,
                            generator=torch.Generator())  # leaves the global RNG alone
        feats: List[torch.Tensor] = []
        masks: List[torch.Tensor] = []
        samples: list = []
        for batch in track(loader):  # reading the training videos once
            feats.append(torch.stack(batch['inputs']['video_feature']).to(device, dtype))
            masks.append(torch.stack(batch['inputs']['video_mask']).to(device).bool())
            samples.extend(batch['data_samples'])
        return cls(torch.cat(feats), torch.cat(masks), samples)

    def __len__(self) -> int:
        return len(self.samples)

    @property
    def nbytes(self) -> int:
        return self.feats.numel() * self.feats.element_size() + self.mask.numel()

    def gather(self, indices: Sequence[int]) -> Dict[str, torch.Tensor]:
        """``video_feature`` (``B x T x D`` float32), ``video_mask``
        (``B x T``) and ``video_index`` (``B``) of the given videos."""
        idx = torch.as_tensor(list(indices), device=self.feats.device, dtype=torch.long)
        return dict(video_feature=self.feats[idx].float(), video_mask=self.mask[idx],
                    video_index=self.video_index[idx])

    def relabel_batch(self, indices: Sequence[int]) -> Tuple[torch.Tensor, ...]:
        """``(B x T x D features, B x T mask, (B,) video_index)`` of the given
        videos, as :class:`~dscnet_plugin.engine.IterativeRelabelHook`
        labels them."""
        g = self.gather(indices)
        return g['video_feature'], g['video_mask'], g['video_index']

    def relabel_batches(self, indices: Sequence[int], batch_size: int) -> 'RelabelBatches':
        """The given videos as consecutive :meth:`relabel_batch` batches of
        ``batch_size``, each gathered only when it is read (so a pass over
        all videos never holds a second copy of the features)."""
        return RelabelBatches(self, list(indices), batch_size)

    def batch(self, indices: Sequence[int]) -> dict:
        """A training batch of the given videos, as the DataLoader path's
        collated batch after the data preprocessor: ``{'inputs': {...},
        'data_samples': [...]}``."""
        inputs = self.gather(indices)
        inputs.pop('video_index')
        return dict(inputs=inputs, data_samples=[self.samples[i] for i in indices])


class RelabelBatches(SequenceABC):
    """A lazy sequence of :meth:`ResidentFeatures.relabel_batch` batches over
    ``indices``, ``batch_size`` videos each."""

    def __init__(self, bank: ResidentFeatures, indices: List[int], batch_size: int) -> None:
        self.bank, self.indices, self.batch_size = bank, indices, batch_size

    def __len__(self) -> int:
        return math.ceil(len(self.indices) / self.batch_size)

    def __getitem__(self, k: int) -> Tuple[torch.Tensor, ...]:
        if not 0 <= k < len(self):
            raise IndexError(k)
        return self.bank.relabel_batch(self.indices[k * self.batch_size:
                                                    (k + 1) * self.batch_size])


def fits_on(device: torch.device, nbytes: int, memory_fraction: float,
            cpu_limit_gb: float) -> Optional[str]:
    """None when ``nbytes`` fit on ``device`` (a CUDA device: within
    ``memory_fraction`` of its free memory; the CPU: within
    ``cpu_limit_gb``), else why not."""
    if device.type == 'cuda':
        free, _ = torch.cuda.mem_get_info(device)
        limit = free * memory_fraction
        where = f'{memory_fraction:.0%} of the {free / 2**30:.1f} GiB free on {device}'
    else:
        limit = cpu_limit_gb * 2**30
        where = f'the {cpu_limit_gb:g} GiB limit on the CPU'
    if nbytes <= limit:
        return None
    return f'{nbytes / 2**30:.2f} GiB exceed {where}'


def resident_of(runner) -> Optional[ResidentFeatures]:
    """The training features a :class:`ResidentEpochBasedTrainLoop` of
    ``runner`` holds on the device, or None (streaming, another loop, or
    a loop not built yet)."""
    return getattr(getattr(runner, '_train_loop', None), 'resident', None)
