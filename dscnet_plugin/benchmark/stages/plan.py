"""What one dataset's stages run: the datasets' sizes, the settings read
from their configs and the scaled counts (:class:`Plan`)."""
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

import torch
from mmengine.config import Config

from ..run_config import required_hook

#: Stages, in the order of a DSCNet run.
STAGES = ('language_epoch', 'clustering', 'relabel', 'video_epoch', 'test')

#: The count each stage's cost is proportional to (for the extrapolation).
STAGE_ITEMS = dict(language_epoch='train_queries', clustering='train_queries',
                   relabel='train_videos', video_epoch='train_videos',
                   test='test_queries')

#: Config (relative to the current directory, as in the other tools),
#: full-scale counts and vocabulary size of each dataset.
DATASETS = dict(
    charades=dict(config='configs/dscnet_charades.py', vocab_size=1300,
                  counts=dict(train_videos=5338, train_queries=12408,
                              test_videos=1334, test_queries=3720)),
    activitynet=dict(config='configs/dscnet_activitynet.py', vocab_size=10000,
                     counts=dict(train_videos=10009, train_queries=37421,
                                 test_videos=4885, test_queries=17031)))

#: GloVe 6B 50-d (``KumoGloveVectors``, the configs' word vectors).
WORD_DIM = 50

#: ``--small``: tiny dimensions (same N_e and code path), for tests.
SMALL = dict(vocab_size=50, word_dim=8, model=dict(
    text_encoder=dict(hidden_dim=16, neck_dim=8),
    video_encoder=dict(in_dim=16, embed_dim=16, num_heads=2),
    specific_head=dict(joint_dim=16),
    foreground_head=dict(hidden_dim=8),
    clusterer=dict(num_clusters=4),
    pseudo_labeller=dict(num_iters=10),
    num_frames=16))


@dataclass
class Plan:
    """What one dataset's stages run (picklable: sent to the children).

    Attributes:
        dataset: ``'charades'`` or ``'activitynet'``.
        device: Torch device string.
        scale: Fraction of the videos / queries.
        small: Tiny dimensions (:data:`SMALL`).
        counts: Videos / queries actually used.
        full_counts: Videos / queries of the full dataset.
        settings: Sizes and batch sizes read from the config.
        threads: Torch intra-op threads of the stage processes (None:
            torch's default).
        seed: Seed of the random inputs.
        config: Absolute path of the dataset's config (the stages build
            their model and hooks from it).
    """

    dataset: str
    device: str
    scale: float
    small: bool
    counts: Dict[str, int]
    full_counts: Dict[str, int]
    settings: Dict[str, Any] = field(default_factory=dict)
    threads: Optional[int] = None
    seed: int = 0
    config: str = ''


def load_config(path: str, small: bool = False) -> Config:
    """The DSCNet config at ``path`` (shrunk by :data:`SMALL` when ``small``).

    Raises:
        FileNotFoundError: ``path`` does not exist (relative paths are read
            from the current directory: run from the repository root).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such config (the datasets\' configs are read '
                                'relative to the current directory: run from the repository '
                                'root)')
    cfg = Config.fromfile(path)
    if small:
        cfg.merge_from_dict(dict(model=SMALL['model']))
    return cfg


def hook_cfg(cfg: Config, type_name: str) -> dict:
    """The ``custom_hooks`` entry of ``type_name`` as a plain dict (a copy)."""
    return Config(required_hook(cfg, type_name)).to_dict()


def read_settings(cfg: Config, dataset: str, small: bool) -> Dict[str, Any]:
    """Sizes and batch sizes of a run of ``cfg`` (what the stages use)."""
    from dscnet_plugin.registry import HOOKS
    from dscnet_plugin.utils import build_pinned
    m = cfg.model
    lang = build_pinned(HOOKS, hook_cfg(cfg, 'SemanticClusteringHook'))
    relabel = build_pinned(HOOKS, hook_cfg(cfg, 'IterativeRelabelHook'))
    return dict(
        vocab_size=SMALL['vocab_size'] if small else DATASETS[dataset]['vocab_size'],
        word_dim=SMALL['word_dim'] if small else WORD_DIM,
        max_query_len=int(cfg.max_query_len), num_frames=int(m.num_frames),
        feature_dim=int(m.video_encoder.in_dim), num_necks=int(m.text_encoder.num_necks),
        neck_dim=int(m.text_encoder.neck_dim), hidden_dim=int(m.text_encoder.hidden_dim),
        num_clusters=int(m.clusterer.num_clusters), video_dim=int(m.video_encoder.embed_dim),
        joint_dim=int(m.specific_head.joint_dim),
        ncut_iters=int(m.pseudo_labeller.get('activity', m.pseudo_labeller).num_iters),
        language_batch_size=lang.batch_size, language_lr=lang.lr,
        relabel_batch_size=relabel.batch_size,
        relabel_cache_limit_gb=relabel.cache_limit_gb,
        video_batch_size=int(cfg.train_dataloader.batch_size),
        video_optimizer=Config(cfg.optim_wrapper).to_dict(),
        test_batch_size=int(cfg.test_dataloader.batch_size))


def scaled_counts(full: Dict[str, int], scale: float, min_queries: int) -> Dict[str, int]:
    """``round(scale * n)`` of each count, at least 1 (queries: at least
    ``min_queries``, so k-means has as many points as centres)."""
    if not 0 < scale <= 1:
        raise ValueError(f'scale must be in (0, 1], got {scale}')
    out = {k: max(1, round(v * scale)) for k, v in full.items()}
    out['train_queries'] = max(out['train_queries'], min_queries)
    return out


def make_plan(dataset: str, device: str = 'cpu', scale: float = 1.0,
              small: bool = False, threads: Optional[int] = None, seed: int = 0) -> Plan:
    """The :class:`Plan` of ``dataset`` at ``scale``.

    ``threads`` of the stage processes: by default 1 on a CPU (on a shared
    machine two OpenMP threads stall whenever another process holds a core:
    on the 2-core development machine under load, a language epoch ran 15x
    slower with 2 threads than with 1) and torch's default on a GPU; 0 is
    torch's default everywhere.
    """
    if dataset not in DATASETS:
        raise ValueError(f'dataset must be one of {sorted(DATASETS)}, got {dataset!r}')
    config = osp.abspath(DATASETS[dataset]['config'])
    settings = read_settings(load_config(config, small), dataset, small)
    full = dict(DATASETS[dataset]['counts'])
    if threads is None:
        threads = 1 if torch.device(device).type == 'cpu' else 0
    return Plan(dataset, device, scale, small, scaled_counts(full, scale, settings['num_clusters']),
                full, settings, threads or None, seed, config)
