"""The other-video-query control: every test sample paired with the query of
a sample of another video, over the whole test set, fixed by a seed."""
from typing import Sequence

import numpy as np
from torch.utils.data import Dataset


def other_video_donors(video_ids: Sequence, seed: int = 0) -> np.ndarray:
    """For each sample, the index of a sample of *another* video.

    A random permutation of the samples, with every sample that drew a donor
    of its own video given a donor drawn uniformly among the samples of the
    other videos (so the mapping is a permutation except at those samples).
    Vectorised; deterministic given ``seed``.

    Args:
        video_ids: ``(N,)`` video id of each sample.
        seed: Seed of the draw.

    Returns:
        ``(N,)`` int64 donor indices, ``video_ids[donors[i]] != video_ids[i]``.

    Raises:
        ValueError: Fewer than two distinct videos (no other video to draw from).
    """
    ids = np.asarray(video_ids)
    n = len(ids)
    _, code = np.unique(ids, return_inverse=True)
    counts = np.bincount(code)
    if len(counts) < 2:
        raise ValueError(f'the other-video-query control needs samples of at least two '
                         f'videos; all {n} samples come from video {str(ids[0])!r}'
                         if n else 'the other-video-query control needs samples; got none')
    rng = np.random.default_rng(seed)
    donors = rng.permutation(n)
    bad = np.flatnonzero(code[donors] == code)
    if len(bad):
        # samples sorted by video; group g occupies [start[g], start[g] + counts[g])
        order = np.argsort(code, kind='stable')
        start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        own, size = start[code[bad]], counts[code[bad]]
        r = (rng.random(len(bad)) * (n - size)).astype(np.int64)
        r = np.minimum(r, n - size - 1)
        donors[bad] = order[np.where(r >= own, r + size, r)]  # skip the own group
    return donors.astype(np.int64)


class OtherVideoQueryDataset(Dataset):
    """``dataset`` with each sample carrying its donor's query.

    Item ``i`` is ``dataset``'s item ``i`` (video, duration, ground truth,
    ``sample_idx``) whose ``query*`` fields (the sentence, and tokens where
    the data info holds them) are those of sample ``donors[i]``, sent through
    ``dataset``'s own pipeline, so the query is tokenised as usual. With
    ``with_true`` the item also holds ``true_inputs``: the model inputs of
    the unchanged sample (for the curve correlation).

    Same length and indices as ``dataset``: a sampler of ``dataset`` (e.g. the
    rank-sharded ``DefaultSampler``) indexes it as well.

    Args:
        dataset: A dataset with ``get_data_info`` and ``pipeline``
            (:class:`~mmengine.dataset.BaseDataset`).
        donors: ``(N,)`` donor index of each sample (see :func:`other_video_donors`).
        with_true: Also return the unchanged sample's inputs.
    """

    def __init__(self, dataset, donors: np.ndarray, with_true: bool = True) -> None:
        if len(donors) != len(dataset):
            raise ValueError(f'{len(donors)} donors for {len(dataset)} samples')
        self.dataset = dataset
        self.donors = np.asarray(donors, dtype=np.int64)
        self.with_true = with_true

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, idx: int) -> dict:
        info = self.dataset.get_data_info(idx)
        donor = self.dataset.get_data_info(int(self.donors[idx]))
        swapped = dict(info, **{k: v for k, v in donor.items() if k.startswith('query')})
        out = self.dataset.pipeline(swapped)
        if self.with_true:
            out['true_inputs'] = self.dataset.pipeline(info)['inputs']
        return out
