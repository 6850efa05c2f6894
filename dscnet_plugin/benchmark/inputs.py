"""The inputs of a benchmark run: the data subset (annotation files of a
sample of the real videos) and the simulated features of its videos."""
import functools
import json
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..datasets import KumoGloveVectors
from ..datasets.simulation import simulate_activitynet, simulate_charades
from ..datasets.simulation.simulate import sta_video_ids
from ..utils import atomic_text
from .locations import BENCH_DIR, DATA_ROOT
from .plan import Run
from .specs import DATASETS_SPECS, Scale


def pick(ids: Sequence[str], n: Optional[int], seed: int = 0) -> List[str]:
    """``n`` of ``ids`` drawn without replacement (all when ``n`` is None),
    in their original order."""
    if n is None or n >= len(ids):
        return list(ids)
    chosen = np.random.default_rng(seed).choice(len(ids), n, replace=False)
    return [ids[i] for i in sorted(chosen)]


def _link(target: str, link: str) -> None:
    """Symlink ``link`` -> absolute ``target`` (kept when present)."""
    if not osp.lexists(link):
        os.symlink(osp.abspath(target), link)


def write_charades_subset(src: str, dst: str, train: Optional[int], test: Optional[int]) -> None:
    """Charades-STA annotation files of a subset of the videos (the
    Charades timelines and durations are linked)."""
    os.makedirs(osp.join(dst, 'charades_sta'), exist_ok=True)
    _link(osp.join(src, 'charades'), osp.join(dst, 'charades'))
    for split, n in (('train', train), ('test', test)):
        path = osp.join(src, 'charades_sta', f'charades_sta_{split}.txt')
        keep = set(pick(sta_video_ids(path), n))
        with open(path, encoding='utf-8') as f:
            lines = [line for line in f if line.strip() and line.split(None, 1)[0] in keep]
        atomic_text(osp.join(dst, 'charades_sta', f'charades_sta_{split}.txt'), ''.join(lines))


def write_activitynet_subset(src: str, dst: str, train: Optional[int],
                             val: Optional[int]) -> None:
    """ActivityNet Captions files of a subset: ``train`` training videos and
    ``val`` videos of val_2 (val_1 keeps the same videos where it has them)."""
    folder = osp.join(dst, 'activitynet_captions')
    os.makedirs(folder, exist_ok=True)
    raw = {}
    for split in ('train', 'val_1', 'val_2'):
        with open(osp.join(src, 'activitynet_captions', f'{split}.json'), encoding='utf-8') as f:
            raw[split] = json.load(f)
    keep = {'train': set(pick(list(raw['train']), train))}
    keep['val_1'] = keep['val_2'] = set(pick(list(raw['val_2']), val))
    for split, items in raw.items():
        subset = {vid: v for vid, v in items.items() if vid in keep[split]}
        atomic_text(osp.join(folder, f'{split}.json'), json.dumps(subset))


def data_root_for(dataset: str, scale: Scale) -> str:
    """The data root of ``scale``'s subset (written once), relative to the
    repository root; the real data root for the full splits."""
    if scale.data_tag == 'all':
        return DATA_ROOT
    root = osp.join(BENCH_DIR, 'data', f'{dataset}_{scale.data_tag}')
    done = osp.join(root, '.complete')
    if not osp.isfile(done):
        write = write_charades_subset if dataset == 'charades' else write_activitynet_subset
        write(DATA_ROOT, root, scale.train_videos, scale.test_videos)
        atomic_text(done, 'ok\n')
    return root


@functools.lru_cache(maxsize=None)
def word_vectors() -> KumoGloveVectors:
    """The GloVe vectors of the simulated concepts (loaded once)."""
    return KumoGloveVectors()


def features_path(dataset: str, knob: float, scale: Scale) -> str:
    """Where the simulated features of a dataset subset and knob live."""
    dim = DATASETS_SPECS[dataset].feature_dim
    return osp.join(BENCH_DIR, 'features', f'{dataset}_d{dim}_k{knob:g}_{scale.data_tag}.hdf5')


@functools.lru_cache(maxsize=None)
def features_for(dataset: str, knob: float, scale: Scale, data_root: str) -> str:
    """Simulated features of every video of ``data_root`` (kept on disk: the
    simulator keeps an output whose manifest matches; checked once per process)."""
    simulate = simulate_charades if dataset == 'charades' else simulate_activitynet
    return simulate(data_root, features_path(dataset, knob, scale), word_vectors(),
                    text_relation=knob, feature_dim=DATASETS_SPECS[dataset].feature_dim)


def prepare_inputs(run: Run) -> Tuple[str, str]:
    """``(data root, features)`` of ``run``, written when missing."""
    data_root = data_root_for(run.dataset, run.scale)
    return data_root, features_for(run.dataset, run.knob, run.scale, data_root)
