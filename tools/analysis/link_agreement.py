"""How firmly do the training data pin down the transport link?

Runs the front half of a transport config (its activity moments of the
training videos, the word vectors of the training queries, its
``TransportAligner``) and reports every local optimum that the
Gromov-Wasserstein coupling reaches from the product start and from
``--starts - 1`` random ones: its objective and its agreement with the best
one (the mean cosine of the queries' visual targets under the two
couplings). Many starts in one optimum, well apart from the rest: the link
is identified. Optima of about equal objective that all disagree: the two
sides share no structure that picks one coupling (``docs/method.md``,
reading 29). Nothing is trained; the data are the config's.

Usage::

    python tools/analysis/link_agreement.py RUN_DIR/dscnet_charades_transport_gated.py \\
        --starts 16 --out link_agreement.json
"""
import argparse
import json

import torch
from mmengine import Config
from mmengine.logging import print_log

from dscnet_plugin.engine.runner import build_runner
from dscnet_plugin.utils import atomic_text, register_all_modules, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='a DSCNet config with a TransportAligner')
    parser.add_argument('--starts', type=int, default=16,
                        help='starts in all: the product coupling and STARTS - 1 random')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random starts')
    parser.add_argument('--work-dir', default='work_dirs/link_agreement')
    parser.add_argument('--out', help='write the optima here (JSON)')
    parser.add_argument('--threads', type=int, default=2)
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    cfg.work_dir, cfg.load_from = args.work_dir, None
    runner = build_runner(cfg)
    model = runner.model
    hooks = {type(h).__name__: h for h in runner.hooks}
    relabel, clustering = hooks['IterativeRelabelHook'], hooks['SemanticClusteringHook']
    model.eval()
    tokens, mask = clustering.queries()
    words = model.query_word_vectors(tokens.to(model.centers.device),
                                     mask.to(model.centers.device))
    moments = relabel.alignment_rows(model, relabel._batches(runner, model.centers.device))
    objectives, agreement = model.aligner.local_optima(moments, words, args.starts - 1,
                                                       args.seed)
    order = torch.argsort(objectives)
    best = int(order[0])
    rows = [dict(start=int(k), objective=float(objectives[k]),
                 agreement_with_best=float(agreement[best, k])) for k in order]
    for r in rows:
        print_log(f"start {r['start']:3d}  objective {r['objective']:.5f}  agreement with "
                  f"the best {r['agreement_with_best']:.3f}", logger='current')
    same = sum(r['agreement_with_best'] >= 0.9 for r in rows)
    off = [r['agreement_with_best'] for r in rows if r['agreement_with_best'] < 0.9]
    print_log(f'{same} of {len(rows)} starts reach the best coupling (agreement >= 0.9); '
              f'the others agree with it at most {max(off, default=float("nan")):.3f}',
              logger='current')
    result = dict(config=args.config, starts=args.starts, seed=args.seed, optima=rows,
                  agreement=agreement.tolist())
    if args.out:
        atomic_text(args.out, json.dumps(result, indent=1))
    return result


if __name__ == '__main__':
    run_tool(main)  # a missing config, an unwritable --out: one error line
