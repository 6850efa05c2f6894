"""Does the transport link pair simulated Charades-STA queries with moments
of their own action, and at knob 0 too?

Analysis, never training: it reads the simulator's ground truth (which
Charades class each training moment was cut from, which class covers each
clip). It runs the front half of ``configs/dscnet_charades_transport.py``
on the first ``--train-videos`` training videos of Charades-STA, at each
knob ``text_relation``:

1. the activity cut and its moments (the config's ``pseudo_labeller``:
   ``DeviationActivityLabeller``, runs of at least ``min_moment_frames``),
   on the simulated clip features (the clip grid, not resampled to ``T``);
2. the content-word vectors of the training queries;
3. the config's ``TransportAligner`` coupling of the queries with the
   moments (same sampling, starts and schedule).

Reported per knob:

- ``own_class_mass``: the mean share of a query's mass sent to moments of
  the query's own class. Only queries whose moment matches a timeline event
  with IoU > 0.8 count; a moment's class is the one covering most of its
  clips, -1 for background.
- ``chance``: the same share under the product coupling (every query sends
  its mass in proportion to the moments).
- ``lift``: ``own_class_mass / chance``.
- ``duration_correlation`` / ``centre_correlation``: Pearson correlation,
  over the queries, of the query's true moment length (its centre, as a
  share of the video) with the coupling-weighted mean length (centre) of
  the moments it is sent to: a link to *where and how long*, which the
  words can carry even where they say nothing about the look.
- ``frequency_only``: the same for a coupling that knows only the class
  frequencies. Each query sends its mass to the moments of the class whose
  rank in query frequency equals the moment class's rank in moment
  frequency. This is the upper bound of what frequency alone can link,
  reading the truth.

A lift above 1 at knob 0, where the geometry of the words says nothing
about the look of an action, means that the coupling links queries and
moments through what knob 0 keeps: distinct class signatures with Charades'
skewed class frequencies. A control gap at knob 0 is then a link, not a leak.

Usage::

    python tools/analysis/charades_transport_diagnostics.py --data-root ../shared/data \\
        --knobs 0 0.7 --out docs/results/charades_transport_diagnostics.json
"""
import argparse
import json
import os.path as osp
import sys
import time

import h5py
import numpy as np
import torch
from mmengine import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from text_link_diagnostics import load_split, query_vectors, true_classes  # noqa: E402

from dscnet_plugin.datasets import KumoGloveVectors  # noqa: E402
from dscnet_plugin.datasets.simulation import (TimelineFeatureSimulator,  # noqa: E402
                                               charades_concept_vectors, charades_concepts,
                                               charades_timelines, simulate_charades)
from dscnet_plugin.models.aligners import best_gromov_wasserstein  # noqa: E402
from dscnet_plugin.models.aligners.gromov_wasserstein import \
    centred_cosine_distances  # noqa: E402
from dscnet_plugin.models.labellers.activity_split_labeller import run_ids  # noqa: E402
from dscnet_plugin.registry import CROSS_MODAL_ALIGNERS, PSEUDO_LABELLERS  # noqa: E402
from dscnet_plugin.utils import atomic_text, register_all_modules  # noqa: E402

CONFIG = 'configs/dscnet_charades_transport.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--knobs', type=float, nargs='+', default=[0.0, 0.7])
    parser.add_argument('--train-videos', type=int, default=1000)
    parser.add_argument('--feature-dim', type=int, default=500)
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--cache', default='work_dirs/benchmark/sim')
    parser.add_argument('--out', default=None)
    return parser.parse_args(argv)


def padded(features: list) -> tuple:
    """``(B x T x D features, B x T bool mask)`` of a list of ``T_i x D``."""
    width = max(len(f) for f in features)
    x = torch.zeros(len(features), width, features[0].shape[1])
    mask = torch.zeros(len(features), width, dtype=torch.bool)
    for i, f in enumerate(features):
        x[i, :len(f)], mask[i, :len(f)] = torch.as_tensor(f), True
    return x, mask


def moment_classes(active: torch.Tensor, clip_class: torch.Tensor, min_frames: int,
                   num_classes: int) -> np.ndarray:
    """Class covering most clips of each activity run (the rows of
    ``ActivitySplitLabeller.moment_descriptors``, same order), -1 for
    background; ``clip_class`` is ``B x T`` (-1: no event)."""
    run = run_ids(active)
    width = int(run.max()) + 1
    index = run * (num_classes + 1) + (clip_class + 1)                    # B x T
    flat = torch.zeros(active.size(0), width * (num_classes + 1))
    flat.scatter_add_(1, index, active.float())
    votes = flat.view(active.size(0), width, num_classes + 1)
    keep = votes.sum(-1) >= min_frames
    keep[:, 0] = False
    return (votes[keep].argmax(-1) - 1).numpy()


def run_extents(active: torch.Tensor, min_frames: int) -> np.ndarray:
    """``K x 2`` (first clip, clip count) of each activity run, in the
    order of :func:`moment_classes`."""
    run = run_ids(active)
    width = int(run.max()) + 1
    t = torch.arange(active.size(1)).expand_as(run)
    count = torch.zeros(active.size(0), width).scatter_add_(1, run, active.float())
    first = torch.full((active.size(0), width), float(active.size(1))).scatter_reduce_(
        1, run, torch.where(active, t, active.size(1)).float(), 'amin')
    keep = count >= min_frames
    keep[:, 0] = False
    return torch.stack([first[keep], count[keep]], 1).numpy()


def weighted_correlation(coupling: np.ndarray, query_values: np.ndarray,
                         moment_values: np.ndarray) -> float:
    """Pearson correlation of each query's value with the coupling-weighted
    mean value of its moments."""
    sent = coupling @ moment_values / np.maximum(coupling.sum(1), 1e-12)
    return float(np.corrcoef(query_values, sent)[0, 1])


def own_class_mass(coupling: np.ndarray, q_cls: np.ndarray, m_cls: np.ndarray) -> float:
    """Mean share of each classed query's mass on moments of its class."""
    rows = q_cls >= 0
    same = q_cls[rows, None] == m_cls[None, :]
    mass = coupling[rows]
    return float(((mass * same).sum(1) / np.maximum(mass.sum(1), 1e-12)).mean())


def frequency_coupling(q_cls: np.ndarray, m_cls: np.ndarray, num_classes: int) -> np.ndarray:
    """Each query's mass on the moments of the class of the same frequency
    rank (queries ranked by query counts, moments by moment counts)."""
    q_rank = np.argsort(-np.bincount(q_cls[q_cls >= 0], minlength=num_classes), kind='stable')
    m_rank = np.argsort(-np.bincount(m_cls[m_cls >= 0], minlength=num_classes), kind='stable')
    to_moment_class = np.empty(num_classes, int)
    to_moment_class[q_rank] = m_rank
    target = np.where(q_cls >= 0, to_moment_class[np.maximum(q_cls, 0)], -2)
    out = (target[:, None] == m_cls[None, :]).astype(float)
    return out / np.maximum(out.sum(1, keepdims=True), 1.0)


def diagnose(args, knob: float, cfg, words, classes, timelines, train) -> dict:
    vids = list(dict.fromkeys(r.video_id for r in train))[:args.train_videos]
    chosen = set(vids)
    records = [r for r in train if r.video_id in chosen]
    path = osp.join(args.cache, f'charades_d{args.feature_dim}_k{knob:g}.hdf5')
    simulate_charades(args.data_root, path, words, text_relation=knob,
                      feature_dim=args.feature_dim)
    sim = TimelineFeatureSimulator(charades_concept_vectors(charades_concepts(
        osp.join(args.data_root, 'charades')), words), text_relation=knob,
        feature_dim=args.feature_dim)
    index = {c: i for i, c in enumerate(classes)}
    with h5py.File(path, 'r') as f:
        feats = [f[v][()] for v in vids]
    clip_class = []
    for v, x in zip(vids, feats):
        tl, cls = timelines[v], np.full(len(x), -1)
        if tl.events:
            occ = sim.occupancy(tl)[:len(x)]                               # T0 x E
            ev = np.array([index[e.concept] for e in tl.events])
            cls[:len(occ)] = np.where(occ.max(1) > 0, ev[occ.argmax(1)], -1)
        clip_class.append(cls)
    x, mask = padded(feats)
    cc = torch.full(mask.shape, -1, dtype=torch.long)
    for i, c in enumerate(clip_class):
        cc[i, :len(c)] = torch.as_tensor(c)
    labeller = PSEUDO_LABELLERS.build(cfg.model.pseudo_labeller)
    rows, video = labeller.moment_descriptors(x, mask)
    active = labeller.activity(x, mask) & mask
    m_cls = moment_classes(active, cc, labeller.min_moment_frames, len(classes))
    extent = run_extents(active, labeller.min_moment_frames)                # K x 2 clips
    clips = mask.sum(1).numpy()[video.numpy()]
    m_len, m_mid = extent[:, 1] / clips, (extent[:, 0] + extent[:, 1] / 2) / clips
    q_vec = torch.as_tensor(query_vectors([r.sentence for r in records], words))
    q_cls = true_classes(records, timelines, classes)
    aligner = CROSS_MODAL_ALIGNERS.build(cfg.model.aligner)
    mi, qi = aligner._sample(rows.size(0)), aligner._sample(q_vec.size(0))
    coupling, objective = best_gromov_wasserstein(
        centred_cosine_distances(q_vec[qi].double()), centred_cosine_distances(rows[mi].double()),
        aligner.restarts, torch.Generator().manual_seed(aligner.seed),
        eps_schedule=aligner.eps_schedule, outer=aligner.outer,
        sinkhorn_iters=aligner.sinkhorn_iters)
    coupling, q_s, m_s = coupling.numpy(), q_cls[qi.numpy()], m_cls[mi.numpy()]
    product = np.full_like(coupling, 1.0 / coupling.shape[1])
    own, chance = own_class_mass(coupling, q_s, m_s), own_class_mass(product, q_s, m_s)
    q_len = np.array([(r.end - r.start) / r.duration for r in records])[qi.numpy()]
    q_mid = np.array([(r.end + r.start) / 2 / r.duration for r in records])[qi.numpy()]
    m_len, m_mid = m_len[mi.numpy()], m_mid[mi.numpy()]
    return dict(knob=knob, train_videos=len(vids), queries=len(records),
                classed_queries=float((q_cls >= 0).mean()), moments=int(rows.size(0)),
                background_moments=float((m_cls < 0).mean()),
                coupled=[int(len(qi)), int(len(mi))], objective=float(objective),
                own_class_mass=own, chance=chance, lift=own / max(chance, 1e-12),
                duration_correlation=weighted_correlation(coupling, q_len, m_len),
                centre_correlation=weighted_correlation(coupling, q_mid, m_mid),
                frequency_only=own_class_mass(
                    frequency_coupling(q_s, m_s, len(classes)), q_s, m_s))


def main(argv=None) -> dict:
    args = parse_args(argv)
    t0 = time.time()
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    words = KumoGloveVectors()
    classes = sorted(charades_concepts(osp.join(args.data_root, 'charades')))
    train = load_split(args.data_root, 'train')
    timelines = {tl.vid: tl for tl in charades_timelines(
        [osp.join(args.data_root, 'charades', f'Charades_v1_{s}.csv') for s in ('train', 'test')],
        {r.video_id for r in train})}
    results = [diagnose(args, k, cfg, words, classes, timelines, train) for k in args.knobs]
    out = dict(results=results, config=args.config, seconds=round(time.time() - t0, 1),
               date=time.strftime('%Y-%m-%d'))
    if args.out:
        atomic_text(args.out, json.dumps(out, indent=1) + '\n')
    return out


if __name__ == '__main__':
    print(json.dumps(main(), indent=1))
