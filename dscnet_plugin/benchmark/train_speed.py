"""End-to-end training time of DSCNet at dataset scale through the Runner.

The model, the paper's schedule (10 language epochs, ``L = 5`` iterations of
``N_e`` one-epoch stages, each followed by relabelling) and the test run of
``configs/dscnet_demo.py`` are scaled to a dataset's size: the embedded
generator writes as many videos, as long and as wide (e.g. Charades-STA:
5338 training videos, ``T = 128``, 4096-d), the model takes the paper's
widths (``configs/_base_/models/dscnet.py``). Speed does not depend on what
the features show, so the synthetic content stands for real C3D features.
"""
import copy
import resource
import time
from typing import Any, Dict

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from ..utils import propagate_data_root, walk_dicts

#: Full-scale sizes (videos, ``T``, ``D``, ``N_e``, paper grower threshold).
SCALES: Dict[str, Dict[str, Any]] = {
    'charades-sta': dict(train_videos=5338, test_videos=1334, num_frames=128,
                         feature_dim=4096, num_necks=4, threshold=0.9, batch_size=32),
    'activitynet': dict(train_videos=10009, test_videos=4917, num_frames=256,
                        feature_dim=500, num_necks=8, threshold=0.8, batch_size=32),
}


def speed_config(dataset: str, scale: float, data_root: str, work_dir: str,
                 streaming: bool = False, iterations: int = 5,
                 demo_config: str = 'configs/dscnet_demo.py',
                 model_config: str = 'configs/_base_/models/dscnet.py') -> Config:
    """The demo config at ``scale`` x the size of ``dataset`` with the
    paper's widths and schedule.

    Args:
        dataset: A key of :data:`SCALES`.
        scale: Fraction of the training and test videos (at least 8 each).
        data_root: Where the generator writes the data.
        work_dir: The run's work dir.
        streaming: ``features='streaming'`` (the per-sample DataLoader
            every epoch) instead of ``'auto'`` (device-resident when the
            features fit).
        iterations: ``L``.
    """
    size = SCALES[dataset]
    cfg = Config.fromfile(demo_config)
    original_root = cfg.data_root
    cfg.data_root = data_root
    propagate_data_root(cfg, original_root)
    frames = size['num_frames']
    for d in walk_dicts(cfg._cfg_dict):
        if d.get('type') == 'SyntheticGroundingGenerator':
            d.update(num_train_videos=max(8, round(size['train_videos'] * scale)),
                     num_test_videos=max(8, round(size['test_videos'] * scale)),
                     clips_range=(frames, 2 * frames), feature_dim=size['feature_dim'],
                     word_dim=300)
        elif d.get('type') == 'ResampleFeatures':
            d['num_frames'] = frames
        elif d.get('type') == 'VideoFeatures':
            d['feature_dim'] = size['feature_dim']
    paper = copy.deepcopy(Config.fromfile(model_config).model)
    paper.update(vocabulary=cfg.model.vocabulary, word_vectors=cfg.model.word_vectors,
                 num_frames=frames)
    paper.video_encoder.in_dim = size['feature_dim']
    paper.text_encoder.num_necks = size['num_necks']
    paper.grower.threshold = size['threshold']
    cfg.model = paper
    cfg.optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4))  # paper
    cfg.train_dataloader.update(batch_size=size['batch_size'])
    cfg.train_cfg.update(features='streaming' if streaming else 'auto')
    hooks = {h['type']: h for h in cfg.custom_hooks}
    hooks['SemanticClusteringHook'].update(epochs=10, lr=1e-4)
    hooks['IterativeRelabelHook'].update(iterations=iterations, epochs_per_stage=1)
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h['type'] != 'PriorComparisonHook']
    cfg.custom_hooks.append(dict(type='EpochTimerHook'))
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10**6)
    cfg.work_dir = work_dir
    return cfg


def _hook(runner: Runner, name: str):
    return next(h for h in runner.hooks if type(h).__name__ == name)


def measure_training(cfg: Config) -> Dict[str, Any]:
    """Train and test ``cfg``; the wall seconds of the whole run and of
    its stages, and the peak memory.

    Returns:
        ``train_s`` (``runner.train()``: language, clustering, initial
        labels, every stage and relabelling), ``test_s``, ``epoch_s`` (each
        video epoch), ``relabel_s`` (each relabelling, the initial one
        first), ``resident`` (whether the loop held the features), peak
        ``max_rss_mb`` and, on CUDA, ``cuda_peak_mb``; ``videos``.
    """
    runner = Runner.from_cfg(cfg)
    dataset = runner.train_dataloader.dataset  # the generator writes the data here
    len(runner.test_dataloader.dataset)
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    runner.train()
    train_s = time.perf_counter() - start
    start = time.perf_counter()
    metrics = runner.test()
    test_s = time.perf_counter() - start
    out = dict(train_s=train_s, test_s=test_s, videos=len(dataset),
               epoch_s=_hook(runner, 'EpochTimerHook').epoch_seconds,
               relabel_s=_hook(runner, 'IterativeRelabelHook').relabel_seconds,
               resident=runner.train_loop.resident is not None,
               metrics={k: float(v) for k, v in metrics.items()
                        if isinstance(v, (int, float)) and not isinstance(v, bool)},
               max_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if torch.cuda.is_available():
        out['cuda_peak_mb'] = torch.cuda.max_memory_allocated() / 2**20
    return out
