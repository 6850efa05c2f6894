"""Simulated features for the real Charades-STA and ActivityNet videos."""
import os.path as osp
from typing import List, Optional, Sequence

from mmengine.logging import print_log

from ..text.word_vectors import BaseWordVectors
from .concept_vectors import caption_concept_vectors, charades_concept_vectors
from .feature_simulator import TimelineFeatureSimulator
from .timelines import activitynet_timelines, charades_concepts, charades_timelines

CHARADES_SPLITS = ('train', 'test')
ACTIVITYNET_FILES = ('train.json', 'val_1.json', 'val_2.json')


def sta_video_ids(path: str) -> List[str]:
    """Video ids of a Charades-STA annotation file, in first-seen order."""
    seen = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.strip():
                seen.setdefault(line.split(None, 1)[0], None)
    return list(seen)


def simulate_charades(data_root: str, output: str, word_vectors: BaseWordVectors,
                      vids: Optional[Sequence[str]] = None, **sim_kwargs) -> str:
    """Features of every Charades-STA video from its Charades timeline.

    Args:
        data_root: Folder holding ``charades_sta/charades_sta_{train,test}.txt``
            and ``charades/Charades_v1_{train,test,mapping,...}``.
        output: ``*.hdf5`` (flat ``h5[vid]``) or a folder of ``.npy``.
        word_vectors: Word vectors of the verb / object class names.
        vids: Only these videos (default: all Charades-STA videos).
        **sim_kwargs: :class:`TimelineFeatureSimulator` arguments.

    Returns:
        ``output``.
    """
    if vids is None:
        vids = [v for s in CHARADES_SPLITS for v in sta_video_ids(
            osp.join(data_root, 'charades_sta', f'charades_sta_{s}.txt'))]
    charades = osp.join(data_root, 'charades')
    csv_paths = [osp.join(charades, f'Charades_v1_{s}.csv') for s in CHARADES_SPLITS]
    timelines = charades_timelines(csv_paths, vids)
    print_log(f'[simulate] Charades-STA: {len(timelines)} video timelines from '
              f'{", ".join(csv_paths)}', logger='current')
    order = {v: i for i, v in enumerate(vids)}
    timelines.sort(key=lambda tl: order[tl.vid])
    vectors = charades_concept_vectors(charades_concepts(charades), word_vectors)
    print_log(f'[simulate] {len(vectors)} concept vectors from the verb and object class '
              'names; drawing their feature signatures', logger='current')
    sim = TimelineFeatureSimulator(vectors, **sim_kwargs)
    return sim.write(timelines, output, extra=dict(dataset='charades-sta',
                                                   vids=len(vids)))


def simulate_activitynet(data_root: str, output: str, word_vectors: BaseWordVectors,
                         limit: Optional[int] = None, **sim_kwargs) -> str:
    """Features of every ActivityNet Captions video (train, val_1, val_2),
    the captions' timestamps being the timeline and their words the
    semantics (``limit``: only the first videos, for quick runs)."""
    sim_kwargs.setdefault('feature_dim', 500)  # C3D-PCA release
    sim_kwargs.setdefault('clip_stride', 0.5)
    sim_kwargs.setdefault('clip_length', 0.5)
    folder = osp.join(data_root, 'activitynet_captions')
    json_paths = [osp.join(folder, f) for f in ACTIVITYNET_FILES]
    timelines, sentences = activitynet_timelines(json_paths)
    if limit is not None:
        timelines = timelines[:limit]
    print_log(f'[simulate] ActivityNet Captions: {len(timelines)} video timelines from '
              f'{", ".join(json_paths)}', logger='current')
    vectors = caption_concept_vectors(sentences, word_vectors)
    print_log(f'[simulate] {len(vectors)} concept vectors from the captions; drawing their '
              'feature signatures', logger='current')
    sim = TimelineFeatureSimulator(vectors, **sim_kwargs)
    return sim.write(timelines, output, extra=dict(dataset='activitynet',
                                                   limit=limit))
