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

Usage::

    python tools/analysis/demo_link_diagnostics.py --out docs/results/demo_link_diagnostics.json
"""
import argparse
import json
import time
from collections import Counter

import numpy as np
from mmengine import Config

from dscnet_plugin.datasets import tokenize
from dscnet_plugin.datasets.synthetic.generator import SyntheticGroundingGenerator
from dscnet_plugin.models.aligners import frequency_pairing, match_clusters

DEMO = 'configs/_base_/datasets/demo.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--settings', nargs='+', default=['1,2:0', '2,3:1'],
                        help='actions_range:action_zipf of each run (default: the '
                        'demo before and after issue 11)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--restarts', type=int, default=20)
    parser.add_argument('--out', default=None)
    return parser.parse_args(argv)


def centred_cosine(m: np.ndarray) -> np.ndarray:
    m = m - m.mean(0)
    m = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)
    return m @ m.T


def sides(data: dict, clip_seconds: float, num_actions: int):
    """Per-action text means, visual means and shares of the training split."""
    words, train = data['words'], data['train']
    counts = Counter(w for *_, s in train for w in tokenize(s))
    total = sum(counts.values())

    def sif(sentence: str) -> np.ndarray:  # Arora et al.'s weights a / (a + p(w))
        ws = [w for w in tokenize(sentence) if w in words]
        wt = np.array([1e-3 / (1e-3 + counts[w] / total) for w in ws])
        return (wt[:, None] * np.stack([words[w] for w in ws])).sum(0) / len(ws)

    seen, q_vec, q_act, v_rows, v_act = Counter(), [], [], [], []
    for vid, start, end, sentence in train:
        k = seen[vid]
        seen[vid] += 1
        q_vec.append(sif(sentence))
        q_act.append(data['actions'][vid][k])
    for vid in seen:
        f = data['features'][vid]
        label = -np.ones(len(f), int)
        for (_, s, e, _), a in zip([r for r in train if r[0] == vid], data['actions'][vid]):
            label[int(round(s / clip_seconds)):int(round(e / clip_seconds))] = a
        if (label < 0).any() and (label >= 0).any():
            v_rows.append(f[label >= 0] - f[label < 0].mean(0))
            v_act.append(label[label >= 0])
    q_vec, q_act = np.stack(q_vec), np.array(q_act)
    v_rows, v_act = np.concatenate(v_rows), np.concatenate(v_act)
    acts = [a for a in range(num_actions) if (q_act == a).any() and (v_act == a).any()]
    text = np.stack([q_vec[q_act == a].mean(0) for a in acts])
    video = np.stack([v_rows[v_act == a].mean(0) for a in acts])
    t_share = np.array([(q_act == a).mean() for a in acts])
    v_share = np.array([(v_act == a).mean() for a in acts])
    return text, video, t_share, v_share


def diagnose(actions_range, zipf: float, seed: int, restarts: int) -> dict:
    cfg = Config.fromfile(DEMO).generator.to_dict()
    cfg.pop('type')
    cfg.update(actions_range=actions_range, action_zipf=zipf, seed=seed)
    gen = SyntheticGroundingGenerator(**cfg)
    text, video, t_share, v_share = sides(gen.generate(), cfg['clip_seconds']
                                          if 'clip_seconds' in cfg else 1 / 3,
                                          cfg['num_actions'])
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
    out = dict(runs=runs, restarts=args.restarts, seconds=round(time.time() - t0, 1),
               date=time.strftime('%Y-%m-%d'))
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == '__main__':
    for run in main()['runs']:
        print(json.dumps(run))
