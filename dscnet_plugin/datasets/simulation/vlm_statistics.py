"""Frame–query similarity statistics of a moment_detr-layout feature folder.

Used to fix the ``vlm`` simulator's default knob from CLIP-like statistics
(no grounding result involved) and to measure how separable the frames
inside a query's window are from the other frames of its video.
"""
import json
import os.path as osp
from typing import Dict, List

import numpy as np

from ..errors import AnnotationError, FeatureError


def rank_auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """``P(pos > neg) + P(pos == neg) / 2`` (the Mann–Whitney AUC)."""
    both = np.concatenate([pos, neg])
    order = np.argsort(both, kind='mergesort')
    ranks = np.empty(len(both))
    ranks[order] = np.arange(1, len(both) + 1)
    # average ranks of ties
    sorted_vals = both[order]
    _, start, counts = np.unique(sorted_vals, return_index=True, return_counts=True)
    mean_rank = start + (counts + 1) / 2.0
    ranks[order] = np.repeat(mean_rank, counts)
    n_pos, n_neg = len(pos), len(neg)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def inside_mask(num_clips: int, clip_seconds: float, windows: List[List[float]]) -> np.ndarray:
    """``T`` bool: clips whose centre lies in one of ``windows`` (seconds)."""
    centres = (np.arange(num_clips) + 0.5) * clip_seconds
    w = np.asarray(windows, np.float64).reshape(-1, 2)
    return ((centres[:, None] >= w[None, :, 0]) & (centres[:, None] <= w[None, :, 1])).any(1)


def _load(path: str, key: str) -> np.ndarray:
    if not osp.isfile(path):
        raise FeatureError(path, 'file not found')
    with np.load(path, allow_pickle=False) as z:
        if key not in z.files:
            raise FeatureError(path, f'no key {key!r} (has {z.files})')
        return z[key]


def similarity_statistics(root: str, split: str, clip_seconds: float,
                          other_videos: int = 5, seed: int = 0) -> Dict[str, float]:
    """Cosine statistics of the queries of ``root/{split}.jsonl``.

    Args:
        root: A folder in the layout of :mod:`.vlm_simulate`.
        split: The annotation split.
        clip_seconds: Seconds per feature row.
        other_videos: Videos (other than its own) sampled per query for the
            non-matching cosine.
        seed: Seed of that sample.

    Returns:
        Means over queries of: ``inside`` (cosine of the query and the
        frames in its windows: matching pairs), ``outside`` (the other frames
        of its video), ``other_video`` (frames of other videos), the
        per-query ``auc`` of inside vs outside frames by that cosine (queries
        with both), the ``pooled_auc`` over all queries' inside/outside
        frames, ``frame_frame_same_video`` / ``frame_frame_other_video``
        (mean cosine between frames), ``query_query`` (between queries, at
        most 2000 sampled), and ``queries``.
    """
    path = osp.join(root, f'{split}.jsonl')
    if not osp.isfile(path):
        raise AnnotationError(path, 'file not found')
    with open(path, encoding='utf-8') as f:
        rows = [json.loads(line) for line in f if line.strip()]
    vids = sorted({r['vid'] for r in rows})
    feats = {v: _load(osp.join(root, 'video_features', f'{v}.npz'), 'features') for v in vids}
    queries = np.stack([_load(osp.join(root, 'text_features', f'qid{r["qid"]}.npz'),
                              'pooler_output') for r in rows]).astype(np.float64)
    rng = np.random.default_rng(seed)
    inside, outside, other, aucs, pos_all, neg_all = [], [], [], [], [], []
    for q, r in zip(queries, rows):
        x = feats[r['vid']]
        cos = x @ q
        m = inside_mask(len(x), clip_seconds, r['relevant_windows'])
        if m.any():
            inside.append(cos[m].mean())
            pos_all.append(cos[m])
        if (~m).any():
            outside.append(cos[~m].mean())
            neg_all.append(cos[~m])
        if m.any() and (~m).any():
            aucs.append(rank_auc(cos[m], cos[~m]))
        for v in rng.choice(len(vids), size=min(other_videos, len(vids)), replace=False):
            if vids[v] != r['vid']:
                other.append((feats[vids[v]] @ q).mean())
    same, cross = [], []
    order = rng.permutation(len(vids))
    for a, b in zip(order, np.roll(order, 1)):
        xa, xb = feats[vids[a]], feats[vids[b]]
        g = xa @ xa.T
        n = len(xa)
        if n > 1:
            same.append((g.sum() - np.trace(g)) / (n * (n - 1)))
        if a != b:
            cross.append((xa @ xb.T).mean())
    sample = queries[rng.permutation(len(queries))[:2000]]  # query_query: <= 2000
    qq = sample @ sample.T
    n = len(sample)
    return dict(
        queries=len(rows), inside=float(np.mean(inside)), outside=float(np.mean(outside)),
        other_video=float(np.mean(other)) if other else float('nan'),
        auc=float(np.mean(aucs)) if aucs else float('nan'),
        pooled_auc=rank_auc(np.concatenate(pos_all), np.concatenate(neg_all))
        if pos_all and neg_all else float('nan'),
        frame_frame_same_video=float(np.mean(same)) if same else float('nan'),
        frame_frame_other_video=float(np.mean(cross)) if cross else float('nan'),
        query_query=float((qq.sum() - np.trace(qq)) / (n * (n - 1))) if n > 1 else float('nan'))
