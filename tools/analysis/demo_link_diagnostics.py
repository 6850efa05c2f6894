"""Can the embedded demo's text-video link be found without pairs?

Analysis, never training: it reads the demo generator's internals (which
action each moment shows) to measure, with a *perfect* grouping of the
queries and of the activity frames by action (an upper bound for any
clustering), how well an unpaired matching of the two sides can pair each
action's queries with its frames:

- ``gram_correlation``: correlation of the actions' centred cosine
  similarities as the queries show them (SIF-weighted mean word vectors)
  and as the video features show them (activity frames minus their video's
  other frames), over the action pairs;
- ``qap``: the pairing of :func:`dscnet_plugin.models.aligners.match_clusters`
  (geometry + frequency, the aligner's ``match='qap'``), ``geometry``
  (frequency weight 0) and ``frequency`` (share ranks only): share of the
  actions paired right, and for ``qap`` its objective against the true
  pairing's (a wrong pairing scoring higher means the data do not identify
  the link by these cues).

Then the same matching on the groups a pipeline can make without the
truth (``grouped`` rows, the demo now): K-means (``N_c`` = the number of
actions, ``--restarts`` starts) of the queries' ``'sif'`` vectors (the
aligner's) or ``'content'`` vectors (mean of the words outside
``STOP_WORDS``), and of the activity descriptors from the true moments or
from the centre-labels configs' N-cut (``'ncut'``) or the transport configs'
``DeviationActivityLabeller`` (``'deviation'``), matched by ``match_clusters``
(``'qap'``) or by the ``TransportAligner``'s coupling of the queries with
the moments (``'transport'``: a group's visual action is the action of most
of the moment mass its queries are sent to). Reported: both sides'
purity (share of the members of their group's majority action; background
frames in the activity count as their own label), the actions that are
some group's majority on both sides, and ``queries_paired_right``: the
share of the training queries whose group is paired with a visual group of
their own action, i.e. whose centre would be labelled on the frames of its
action.

Usage::

    python tools/analysis/demo_link_diagnostics.py --out docs/results/demo_link_diagnostics.json
"""
import argparse
import json
import time
from collections import Counter

import numpy as np
import torch
from mmengine import Config
from sklearn.cluster import KMeans

from dscnet_plugin.datasets import tokenize
from dscnet_plugin.datasets.simulation import STOP_WORDS
from dscnet_plugin.datasets.synthetic.generator import SyntheticGroundingGenerator
from dscnet_plugin.models.aligners import (best_gromov_wasserstein, frequency_pairing,
                                           match_clusters)
from dscnet_plugin.models.aligners.gromov_wasserstein import centred_cosine_distances
from dscnet_plugin.models.labellers import ActivitySplitLabeller

DEMO = 'configs/_base_/datasets/demo.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--settings', nargs='+', default=['1,2:0', '2,3:1'],
                        help='actions_range:action_zipf of each run (default: the '
                        'demo before and after issue 11)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--restarts', type=int, default=20)
    parser.add_argument('--grouped-setting', default='2,3:1',
                        help='actions_range:action_zipf of the K-means grouping rows '
                        '(default: the demo now)')
    parser.add_argument('--texts', nargs='+', default=['sif', 'content'],
                        choices=['sif', 'content'])
    parser.add_argument('--activities', nargs='+', default=['true', 'ncut', 'deviation'],
                        choices=['true', 'ncut', 'deviation'])
    parser.add_argument('--matches', nargs='+', default=['qap', 'transport'],
                        choices=['qap', 'transport'])
    parser.add_argument('--out', default=None)
    return parser.parse_args(argv)


def centred_cosine(m: np.ndarray) -> np.ndarray:
    m = m - m.mean(0)
    m = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)
    return m @ m.T


def query_vectors(train, words) -> dict:
    """``M x d_w`` vectors of the training queries: ``'sif'`` (Arora et al.'s
    weights ``a / (a + p(w))``, as the aligner's text side) and ``'content'``
    (the plain mean of the words outside ``STOP_WORDS``)."""
    counts = Counter(w for *_, s in train for w in tokenize(s))
    total = sum(counts.values())
    out = dict(sif=[], content=[])
    for *_, sentence in train:
        ws = [w for w in tokenize(sentence) if w in words]
        wt = np.array([1e-3 / (1e-3 + counts[w] / total) for w in ws])
        out['sif'].append((wt[:, None] * np.stack([words[w] for w in ws])).sum(0) / len(ws))
        content = [w for w in ws if w not in STOP_WORDS] or ws
        out['content'].append(np.mean([words[w] for w in content], 0))
    return {k: np.stack(v) for k, v in out.items()}


ACTIVITY_CUTS = dict(
    ncut=dict(type='NCutLabeller', center_weight=1.0, bandwidth=1.0, num_iters=100),
    deviation=dict(type='DeviationActivityLabeller'))


def moments_of(rows: np.ndarray, labels: np.ndarray, act: np.ndarray, min_frames: int = 2):
    """``(mean row, majority label)`` of each run of ``act`` of at least
    ``min_frames`` frames (``rows``: the video's activity frames in order)."""
    edges = np.flatnonzero(np.diff(np.r_[0, act.astype(int), 0]))
    out, k = [], 0
    for start, end in zip(edges[::2], edges[1::2]):
        n = end - start
        if n >= min_frames:
            values, counts = np.unique(labels[k:k + n], return_counts=True)
            out.append((rows[k:k + n].mean(0), values[counts.argmax()]))
        k += n
    return out


def samples(data: dict, clip_seconds: float, activity: str = 'true'):
    """The training queries (vectors, action), the activity descriptors
    (rows, action; -1: a background frame inside the activity) and the
    moments (runs of the activity: mean row, majority action).

    Args:
        activity: ``'true'`` (the frames of the annotated moments),
            ``'ncut'`` (the centre-labels configs' activity cut of each
            video, ``ActivitySplitLabeller``'s N-cut) or ``'deviation'``
            (the transport configs' ``DeviationActivityLabeller``).
    """
    train = data['train']
    cut = None
    if activity != 'true':
        cut = ActivitySplitLabeller(activity=ACTIVITY_CUTS[activity])
    seen, q_act, v_rows, v_act, moments = Counter(), [], [], [], []
    for vid, *_ in train:
        q_act.append(data['actions'][vid][seen[vid]])
        seen[vid] += 1
    for vid in seen:
        f = data['features'][vid]
        label = -np.ones(len(f), int)
        for (_, s, e, _), a in zip([r for r in train if r[0] == vid], data['actions'][vid]):
            label[int(round(s / clip_seconds)):int(round(e / clip_seconds))] = a
        if cut is None:
            act = label >= 0
        else:
            x = torch.as_tensor(f)[None]
            act = cut.activity(x, torch.ones(1, len(f), dtype=torch.bool))[0].numpy()
        if act.any() and (~act).any():
            v_rows.append(f[act] - f[~act].mean(0))
            v_act.append(label[act])
            moments += moments_of(v_rows[-1], v_act[-1], act)
    return (query_vectors(train, data['words']), np.array(q_act), np.concatenate(v_rows),
            np.concatenate(v_act), moments)


def sides(data: dict, clip_seconds: float, num_actions: int):
    """Per-action text means, visual means and shares of the training split."""
    q_vecs, q_act, v_rows, v_act, _ = samples(data, clip_seconds)
    q_vec = q_vecs['sif']
    acts = [a for a in range(num_actions) if (q_act == a).any() and (v_act == a).any()]
    text = np.stack([q_vec[q_act == a].mean(0) for a in acts])
    video = np.stack([v_rows[v_act == a].mean(0) for a in acts])
    t_share = np.array([(q_act == a).mean() for a in acts])
    v_share = np.array([(v_act == a).mean() for a in acts])
    return text, video, t_share, v_share


def kmeans_groups(x: np.ndarray, k: int, restarts: int, seed: int) -> np.ndarray:
    """``(M,)`` spherical K-means labels of the centred rows of ``x``."""
    x = x - x.mean(0)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
    return KMeans(k, n_init=restarts, random_state=seed).fit(x).labels_


def majority(labels: np.ndarray, groups: np.ndarray, k: int):
    """``((k,) majority label of each group, -2 if empty; purity)``."""
    major = np.full(k, -2)
    hits = 0
    for j in range(k):
        values, counts = np.unique(labels[groups == j], return_counts=True)
        if len(values):
            major[j], hits = values[counts.argmax()], hits + counts.max()
    return major, hits / max(len(labels), 1)


def queries_paired_right(perm: np.ndarray, text_groups: np.ndarray, q_act: np.ndarray,
                         visual_major: np.ndarray) -> float:
    """Share of the queries whose text group is paired (``perm``) with a
    visual group whose majority action is the query's own: the share whose
    centre would get the frames of its action as labels."""
    return float((visual_major[perm[text_groups]] == q_act).mean())


def transported(q_vec: np.ndarray, tg: np.ndarray, q_act: np.ndarray, moments: list,
                k: int, seed: int) -> dict:
    """The ``TransportAligner``'s link: the Gromov-Wasserstein coupling of
    the queries with the moments; each text group's visual action is the
    action of most of the moment mass its queries are sent to."""
    rows = torch.as_tensor(np.stack([m for m, _ in moments]), dtype=torch.float64)
    m_act = np.array([a for _, a in moments])
    coupling, _ = best_gromov_wasserstein(
        centred_cosine_distances(torch.as_tensor(q_vec, dtype=torch.float64)),
        centred_cosine_distances(rows), restarts=8,
        generator=torch.Generator().manual_seed(seed))
    mass = coupling.numpy()
    labels = np.unique(m_act)
    to_action = np.stack([mass[:, m_act == a].sum(1) for a in labels], 1)   # M_q x A
    group_action = np.array([labels[to_action[tg == j].sum(0).argmax()] if (tg == j).any()
                             else -2 for j in range(k)])
    return dict(moments=len(moments), background_moments=round(float((m_act < 0).mean()), 3),
                queries_paired_right=round(float((group_action[tg] == q_act).mean()), 3))


def grouped(data: dict, clip_seconds: float, k: int, text: str, activity: str,
            restarts: int, seed: int, match: str = 'qap') -> dict:
    """Match K-means groups of the queries (``text`` vectors) with the
    activity (``activity`` cut): K-means groups of its descriptors paired by
    ``match_clusters`` (``match='qap'``) or its moments by optimal transport
    (``'transport'``, :func:`transported`)."""
    q_vecs, q_act, v_rows, v_act, moments = samples(data, clip_seconds, activity)
    q_vec = q_vecs[text]
    tg = kmeans_groups(q_vec, k, restarts, seed)
    if match == 'transport':
        t_major, t_purity = majority(q_act, tg, k)
        return dict(text=text, activity=activity, match=match,
                    text_purity=round(float(t_purity), 3),
                    **transported(q_vec, tg, q_act, moments, k, seed))
    vg = kmeans_groups(v_rows, k, restarts, seed)
    t_major, t_purity = majority(q_act, tg, k)
    v_major, v_purity = majority(v_act, vg, k)
    t_share = np.bincount(tg, minlength=k) / len(tg)
    v_share = np.bincount(vg, minlength=k) / len(vg)
    t_mean = np.stack([q_vec[tg == j].mean(0) for j in range(k)])
    v_mean = np.stack([v_rows[vg == j].mean(0) for j in range(k)])
    perm = match_clusters(centred_cosine(t_mean), centred_cosine(v_mean), t_share, v_share,
                          1.0, restarts, seed)
    return dict(text=text, activity=activity, match=match,
                text_purity=round(float(t_purity), 3),
                visual_purity=round(float(v_purity), 3),
                background_in_activity=round(float((v_act < 0).mean()), 3),
                actions_found=int(len(set(t_major[t_major >= 0]) & set(v_major[v_major >= 0]))),
                queries_paired_right=round(queries_paired_right(perm, tg, q_act, v_major), 3))


def demo_data(actions_range, zipf: float, seed: int):
    """``(generated demo data, clip seconds, number of actions)``."""
    cfg = Config.fromfile(DEMO).generator.to_dict()
    cfg.pop('type')
    cfg.update(actions_range=actions_range, action_zipf=zipf, seed=seed)
    data = SyntheticGroundingGenerator(**cfg).generate()
    return data, cfg.get('clip_seconds', 1 / 3), cfg['num_actions']


def diagnose(actions_range, zipf: float, seed: int, restarts: int) -> dict:
    text, video, t_share, v_share = sides(*demo_data(actions_range, zipf, seed))
    a, b = centred_cosine(text), centred_cosine(video)
    iu = np.triu_indices(len(a), 1)
    truth = np.arange(len(a))
    out = dict(actions_range=list(actions_range), action_zipf=zipf, seed=seed,
               actions=len(a), gram_correlation=float(np.corrcoef(a[iu], b[iu])[0, 1]),
               share_rank_correlation=float(np.corrcoef(np.argsort(np.argsort(t_share)),
                                                        np.argsort(np.argsort(v_share)))[0, 1]))

    def objective(perm, w):
        a2, b2 = a.copy(), b.copy()
        z = lambda x: (np.log(x) - np.log(x).mean()) / max(np.log(x).std(), 1e-8)  # noqa: E731
        np.fill_diagonal(a2, w * z(t_share))
        np.fill_diagonal(b2, w * z(v_share))
        return float((a2 * b2[np.ix_(perm, perm)]).sum())

    for name, weight in (('qap', 1.0), ('geometry', 0.0)):
        perm = match_clusters(a, b, t_share, v_share, weight, restarts, seed)
        out[name] = dict(accuracy=float((perm == truth).mean()),
                         objective_found=objective(perm, weight),
                         objective_true=objective(truth, weight))
    freq = frequency_pairing(t_share, v_share)
    out['frequency'] = dict(accuracy=float((freq == truth).mean()))
    return out


def main(argv=None) -> dict:
    args = parse_args(argv)
    t0 = time.time()
    runs = []
    for setting in args.settings:
        ar, zipf = setting.split(':')
        for seed in args.seeds:
            runs.append(diagnose(tuple(int(x) for x in ar.split(',')), float(zipf), seed,
                                 args.restarts))
    ar, zipf = args.grouped_setting.split(':')
    rows = []
    for seed in args.seeds:
        data, clip_seconds, k = demo_data(tuple(int(x) for x in ar.split(',')), float(zipf),
                                          seed)
        for match in args.matches:
            for activity in args.activities:
                for text in args.texts:
                    rows.append(dict(seed=seed, **grouped(data, clip_seconds, k, text,
                                                          activity, args.restarts, seed,
                                                          match)))
    out = dict(runs=runs, grouped=dict(setting=args.grouped_setting, rows=rows),
               restarts=args.restarts, seconds=round(time.time() - t0, 1),
               date=time.strftime('%Y-%m-%d'))
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == '__main__':
    result = main()
    for run in result['runs'] + result['grouped']['rows']:
        print(json.dumps(run))
