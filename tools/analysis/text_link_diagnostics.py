"""How learnable is the text–video link of the simulated Charades-STA?

Diagnostics (they read the simulator's ground truth, so they are analysis,
never training) at each knob ``text_relation``:

1. **Ceilings of grounding by one direction per query** on the real test
   queries: the true class's visual prototype (oracle), and a linear map from
   the query's mean word vector fitted *with* the training pairs (the best
   any linear text-to-video link from this text representation can do).
   Frame score = per-video centred features x direction; segment = the run
   around the peak above ``peak_fraction`` of the peak's height over the
   median.
   Also: picking, for each query, one of the video's *true* timeline events
   by the frequency prior's grid-cell count (perfect event detection, no
   text): the ceiling of query-blind event choice.
2. **Identifiability of an unpaired alignment**: the 157 class prototypes
   (video side) and the class word-vector descriptions / the centroids of
   each class's training queries (text side) are matched as graphs (their
   cosine-similarity matrices) by quadratic assignment (FAQ, random
   restarts). Reported: the correlation of the two similarity matrices,
   the objective of the true matching vs. the best found, and the share of
   classes the best found matching gets right. When a wrong matching scores
   higher than the true one, no method that aligns the two sides by their
   geometry can find the link.

Usage::

    python tools/analysis/text_link_diagnostics.py --data-root ../shared/data \\
        --knobs 0 0.7 1 --out docs/results/text_link_diagnostics.json
"""
import argparse
import json
import os.path as osp
import time
from typing import Dict, List, Sequence

import h5py
import numpy as np
import torch
from scipy.optimize import quadratic_assignment

from dscnet_plugin.datasets import CharadesSTAAnnotation, KumoGloveVectors, tokenize
from dscnet_plugin.datasets.simulation import (STOP_WORDS, TimelineFeatureSimulator,
                                               charades_concept_vectors, charades_concepts,
                                               charades_timelines, simulate_charades)
from dscnet_plugin.models.baselines import grid_cell_counts
from dscnet_plugin.structures import segment_iou


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--knobs', type=float, nargs='+', default=[0.0, 0.7, 1.0])
    parser.add_argument('--feature-dim', type=int, default=500)
    parser.add_argument('--train-videos', type=int, default=2000,
                        help='training videos used to regress the class prototypes')
    parser.add_argument('--restarts', type=int, default=20, help='FAQ random restarts')
    parser.add_argument('--peak-fraction', type=float, default=0.7)
    parser.add_argument('--cache', default='work_dirs/benchmark/sim')
    parser.add_argument('--out', default=None)
    return parser.parse_args(argv)


# ---------------------------------------------------------------- data
def load_split(data_root: str, split: str):
    """Real Charades-STA records of a split."""
    return CharadesSTAAnnotation(f'charades_sta/charades_sta_{split}.txt',
                                 f'charades/Charades_v1_{split}.csv', data_root).load()


def query_vectors(sentences: Sequence[str], words) -> np.ndarray:
    """``N x d`` unit-word-vector means of the content words."""
    tokens = [[w for w in tokenize(s) if w not in STOP_WORDS] for s in sentences]
    vocab = sorted({w for t in tokens for w in t})
    vecs, found = words.lookup(vocab)
    vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    table = {w: v for w, v, ok in zip(vocab, vecs, found) if ok}
    zero = np.zeros(vecs.shape[1], np.float32)
    return np.stack([np.mean([table[w] for w in t if w in table] or [zero], 0)
                     for t in tokens]).astype(np.float32)


def true_classes(records, timelines, classes: List[str]) -> np.ndarray:
    """Class of the timeline event each moment was cut from (-1 if none
    matches with IoU > 0.8)."""
    out = np.full(len(records), -1)
    index = {c: i for i, c in enumerate(classes)}
    for n, r in enumerate(records):
        events = timelines[r.video_id].events
        if not events:
            continue
        ev = np.array([[e.start, e.end] for e in events])
        iou = segment_iou(np.array([r.start, r.end]), ev)
        if iou.max() > 0.8:
            out[n] = index[events[int(iou.argmax())].concept]
    return out


# ---------------------------------------------------------------- prototypes
def class_prototypes(features: Dict[str, np.ndarray], occupancy: Dict[str, np.ndarray],
                     alpha: float = 10.0) -> np.ndarray:
    """``C x D`` ridge coefficients of per-video-centred features on the
    per-video-centred class occupancy: each class's visual signature as the
    features show it."""
    x = np.concatenate([f - f.mean(0) for f in features.values()])
    o = np.concatenate([occupancy[v] - occupancy[v].mean(0) for v in features])
    gram = o.T @ o + alpha * np.eye(o.shape[1])
    return np.linalg.solve(gram, o.T @ x)


def centred_cosine(m: np.ndarray) -> np.ndarray:
    m = m - m.mean(0)
    m = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)
    return m @ m.T


def alignment(text: np.ndarray, video: np.ndarray, restarts: int) -> dict:
    """Graph matching of two ``C x d`` point sets by their similarities."""
    a, b = centred_cosine(text), centred_cosine(video)
    np.fill_diagonal(a, 0)
    np.fill_diagonal(b, 0)
    iu = np.triu_indices(len(a), 1)
    best = None
    for seed in range(restarts):
        res = quadratic_assignment(a, b, method='faq', options=dict(
            maximize=True, P0='randomized', rng=np.random.default_rng(seed)))
        if best is None or res.fun > best.fun:
            best = res
    return dict(similarity_correlation=float(np.corrcoef(a[iu], b[iu])[0, 1]),
                true_objective=float(np.trace(a @ b.T)), best_found_objective=float(best.fun),
                class_accuracy=float((best.col_ind == np.arange(len(a))).mean()))


# ---------------------------------------------------------------- grounding
def ground_by_direction(features: List[np.ndarray], directions: np.ndarray,
                        durations: np.ndarray, clip_stride: float, clip_length: float,
                        peak_fraction: float) -> np.ndarray:
    """``N x 2`` seconds: the run of frames around the peak of
    ``centred features @ direction`` above ``peak_fraction`` of the peak's
    height over the median (batched over padded videos)."""
    t = max(len(f) for f in features)
    n = len(features)
    x = torch.zeros(n, t, features[0].shape[1])
    valid = torch.zeros(n, t, dtype=torch.bool)
    for i, f in enumerate(features):
        x[i, :len(f)] = torch.from_numpy(f - f.mean(0))
        valid[i, :len(f)] = True
    s = torch.einsum('ntd,nd->nt', x, torch.from_numpy(directions).float())
    s = torch.nn.functional.avg_pool1d(s[:, None], 3, 1, 1, count_include_pad=False)[:, 0]
    s = s.masked_fill(~valid, -float('inf'))
    peak, arg = s.max(1)
    med = s.masked_fill(~valid, float('nan')).nanmedian(1).values
    thr = peak - (1 - peak_fraction) * (peak - med)
    idx = torch.arange(t).expand(n, -1)
    below = s < thr[:, None]
    left = torch.where(below & (idx < arg[:, None]), idx, -1).max(1).values + 1
    right = torch.where(below & (idx > arg[:, None]), idx, t).min(1).values - 1
    start = left.double() * clip_stride
    end = torch.minimum(right.double() * clip_stride + clip_length,
                        torch.from_numpy(durations))
    return torch.stack([start, end], 1).numpy()


def prior_event_choice(records, train, timelines, grid: int = 16) -> np.ndarray:
    """``N x 2`` seconds: the video's true event whose normalised (start,
    end) falls in the most frequent training grid cell."""
    counts = grid_cell_counts(np.array([(r.start / r.duration, r.end / r.duration)
                                        for r in train]), grid)
    out = np.zeros((len(records), 2))
    for n, r in enumerate(records):
        ev = np.array([[e.start, e.end] for e in timelines[r.video_id].events
                       if e.end > e.start]).reshape(-1, 2)
        if not len(ev):
            continue
        i = np.minimum(np.floor(ev[:, 0] / r.duration * grid), grid - 1).astype(int)
        j = np.maximum(i, np.minimum(np.ceil(ev[:, 1] / r.duration * grid) - 1,
                                     grid - 1).astype(int))
        out[n] = ev[int(np.argmax(counts[i, j]))]
    return out


def recall_at_1(pred: np.ndarray, records) -> Dict[str, float]:
    gt = np.array([[r.start, r.end] for r in records])
    iou = segment_iou(pred, gt)
    return {'R1@0.5': float(100 * (iou >= 0.5).mean()), 'R1@0.7': float(100 * (iou >= 0.7).mean()),
            'mIoU': float(100 * iou.mean())}


# ---------------------------------------------------------------- main
def diagnose(args, knob: float, words, concepts, classes, timelines, train, test,
             train_cls, test_cls, q_train, q_test) -> dict:
    path = osp.join(args.cache, f'charades_d{args.feature_dim}_k{knob:g}.hdf5')
    simulate_charades(args.data_root, path, words, text_relation=knob,
                      feature_dim=args.feature_dim)
    vectors = charades_concept_vectors(concepts, words)
    sim = TimelineFeatureSimulator(vectors, text_relation=knob, feature_dim=args.feature_dim)
    train_vids = list(dict.fromkeys(r.video_id for r in train))[:args.train_videos]
    test_vids = list(dict.fromkeys(r.video_id for r in test))
    index = {c: i for i, c in enumerate(classes)}

    def occupancy(vid: str) -> np.ndarray:
        tl = timelines[vid]
        occ = np.zeros((sim.num_clips(tl.duration), len(classes)))
        if tl.events:
            np.add.at(occ.T, [index[e.concept] for e in tl.events], sim.occupancy(tl).T)
        return occ

    with h5py.File(path, 'r') as f:
        feats = {v: f[v][()] for v in train_vids + test_vids}
    protos = class_prototypes({v: feats[v] for v in train_vids},
                              {v: occupancy(v) for v in train_vids})
    has = train_cls >= 0
    centroids = np.stack([q_train[train_cls == c].mean(0) if (train_cls == c).any()
                          else q_train.mean(0) for c in range(len(classes))])
    concept = np.stack([vectors[c] for c in classes])
    ok = test_cls >= 0
    test_ok = [r for r, k in zip(test, ok) if k]
    feats_test = [feats[r.video_id] for r in test_ok]
    durations = np.array([r.duration for r in test_ok])
    ground = lambda d: recall_at_1(ground_by_direction(
        feats_test, d, durations, sim.params['clip_stride'], sim.params['clip_length'],
        args.peak_fraction), test_ok)
    # linear map fitted with the training pairs (an upper bound, not a method)
    x = q_train[has]
    w = np.linalg.solve(x.T @ x + np.eye(x.shape[1]), x.T @ protos[train_cls[has]])
    return dict(
        knob=knob, test_queries=len(test_ok),
        oracle_prototype=ground(protos[test_cls[ok]]),
        supervised_linear_map=ground(q_test[ok] @ w),
        random_direction=ground(np.random.default_rng(0).standard_normal(
            (len(test_ok), protos.shape[1]))),
        align_class_words=alignment(concept, protos, args.restarts),
        align_query_centroids=alignment(centroids, protos, args.restarts))


def main(argv=None) -> dict:
    args = parse_args(argv)
    t0 = time.time()
    words = KumoGloveVectors()
    concepts = charades_concepts(osp.join(args.data_root, 'charades'))
    classes = sorted(concepts)
    train, test = load_split(args.data_root, 'train'), load_split(args.data_root, 'test')
    timelines = {tl.vid: tl for tl in charades_timelines(
        [osp.join(args.data_root, 'charades', f'Charades_v1_{s}.csv') for s in ('train', 'test')],
        {r.video_id for r in train + test})}
    train_cls = true_classes(train, timelines, classes)
    test_cls = true_classes(test, timelines, classes)
    q_train = query_vectors([r.sentence for r in train], words)
    q_test = query_vectors([r.sentence for r in test], words)
    results = [diagnose(args, k, words, concepts, classes, timelines, train, test,
                        train_cls, test_cls, q_train, q_test) for k in args.knobs]
    out = dict(results=results,
               true_events_prior_choice=recall_at_1(
                   prior_event_choice(test, train, timelines), test), train_videos=args.train_videos, restarts=args.restarts,
               feature_dim=args.feature_dim, peak_fraction=args.peak_fraction,
               matched_train_queries=float((train_cls >= 0).mean()),
               seconds=round(time.time() - t0, 1), date=time.strftime('%Y-%m-%d'))
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == '__main__':
    print(json.dumps(main(), indent=1))
