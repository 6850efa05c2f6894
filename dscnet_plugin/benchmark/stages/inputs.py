"""Random inputs of the real sizes: word vectors, queries, videos and the
dataset stand-in of the relabelling hook (speed does not depend on
content, except the number of k-means iterations)."""
from typing import List, Sequence, Tuple

import numpy as np
import torch

from dscnet_plugin.benchmark.stages.plan import Plan


class RandomWordVectors:
    """Stand-in for GloVe: a random ``d_w`` vector for every word.

    Args:
        dim: ``d_w``.
        seed: Seed of the vectors.
    """

    def __init__(self, dim: int, seed: int = 0) -> None:
        self.dim = dim
        self.seed = seed

    def lookup(self, words: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
        """``(N x d_w float32 vectors, (N,) bool all True)``."""
        rng = np.random.default_rng(self.seed)
        vectors = rng.standard_normal((len(words), self.dim)).astype(np.float32) * 0.4
        return vectors, np.ones(len(words), dtype=bool)


def random_queries(num: int, plan: Plan) -> Tuple[torch.Tensor, torch.Tensor]:
    """``num x L`` token ids (0 = padding) and ``num x L`` bool mask of
    queries of random length in ``[L // 2, L]``."""
    s, gen = plan.settings, torch.Generator().manual_seed(plan.seed)
    length = s['max_query_len']
    lengths = torch.randint(max(1, length // 2), length + 1, (num, 1), generator=gen)
    mask = torch.arange(length) < lengths
    tokens = torch.randint(2, s['vocab_size'], (num, length), generator=gen) * mask
    return tokens.to(plan.device), mask.to(plan.device)


def random_videos(num: int, plan: Plan) -> Tuple[torch.Tensor, torch.Tensor]:
    """``num x T x D`` features in ``[0, 1)`` and the ``num x T`` mask (all
    real: resampled features fill ``T``), made on the device."""
    s = plan.settings
    gen = torch.Generator(device=plan.device).manual_seed(plan.seed)
    feats = torch.rand(num, s['num_frames'], s['feature_dim'], generator=gen,
                       device=plan.device)
    return feats, torch.ones(num, s['num_frames'], dtype=torch.bool, device=plan.device)


def samples(num: int, seed: int = 0) -> List:
    """``num`` data samples with ``video_index`` ``0..num-1`` and a random
    duration (seconds)."""
    from dscnet_plugin.structures import GroundingDataSample
    durations = np.random.default_rng(seed).uniform(20.0, 200.0, num)
    return [GroundingDataSample(metainfo=dict(video_index=i, duration=float(d)))
            for i, d in enumerate(durations)]


def nbytes(*tensors: torch.Tensor) -> int:
    """Total bytes of ``tensors``."""
    return sum(t.numel() * t.element_size() for t in tensors)


class RandomVideoSet:
    """Dataset stand-in for ``IterativeRelabelHook``: item ``j`` is a packed
    training video (``T x D`` random features, all-real mask), drawn when
    read, so the hook's feature cache is the only copy.

    Args:
        num: Videos.
        plan: Sizes and seed.
    """

    def __init__(self, num: int, plan: Plan) -> None:
        self.num, self.plan = num, plan
        self.samples = samples(num, plan.seed)

    def __len__(self) -> int:
        return self.num

    def __getitem__(self, j: int) -> dict:
        s = self.plan.settings
        gen = torch.Generator().manual_seed(self.plan.seed + j)
        feats = torch.rand(s['num_frames'], s['feature_dim'], generator=gen)
        return dict(inputs=dict(video_feature=feats,
                                video_mask=torch.ones(s['num_frames'], dtype=torch.bool)),
                    data_samples=self.samples[j])
