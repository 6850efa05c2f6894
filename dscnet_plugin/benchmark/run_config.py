"""The config of a benchmark run: the method's config with the run's
features, scale, seed and comparison rows applied."""
import os.path as osp
from typing import Any, Mapping, Optional

from mmengine.config import Config

from ..utils import merge_cli_options, walk_dicts
from .plan import Run
from .specs import DATASETS_SPECS, SPLIT_ANNOTATION, Scale


def use_features(cfg: Config, path: str, feature_dim: int) -> None:
    """Point every video feature reader of ``cfg`` at ``path`` (relative to
    the working directory) and set the model's input width."""
    readers = [d for d in walk_dicts(cfg._cfg_dict)
               if d.get('type') in ('VideoFeatures', 'HDF5Features', 'ArrayDirFeatures')]
    if not readers:
        raise ValueError(f'{cfg.filename}: no video feature reader to point at {path}')
    for reader in readers:
        reader.update(path=path, data_root=None, feature_dim=feature_dim)
    cfg.feature_dim = feature_dim
    if 'in_dim' in cfg.model.get('video_encoder', {}):
        cfg.model.video_encoder.in_dim = feature_dim


def hook_of(cfg: Config, type_name: str) -> Optional[dict]:
    """The ``custom_hooks`` entry of ``type_name`` (``None`` if absent)."""
    found = [h for h in cfg.get('custom_hooks', []) if h.get('type') == type_name]
    return found[0] if found else None


def required_hook(cfg: Config, type_name: str) -> dict:
    """The ``custom_hooks`` entry of ``type_name``; a clear error if absent."""
    hook = hook_of(cfg, type_name)
    if hook is None:
        raise ValueError(f'{cfg.filename}: the benchmark plan sets the schedule through '
                         f'custom_hooks entry {type_name!r}, which this config lacks')
    return hook


def set_num_frames(cfg: Config, num_frames: int) -> None:
    """``T`` of every ``ResampleFeatures`` and of the model's label bank."""
    for d in walk_dicts(cfg._cfg_dict):
        if d.get('type') == 'ResampleFeatures':
            d['num_frames'] = num_frames
    cfg.num_frames = num_frames
    if 'num_frames' in cfg.model:  # DSCNet's label bank; the priors have none
        cfg.model.num_frames = num_frames


def apply_scale(cfg: Config, scale: Scale, iterations: Optional[int],
                trains: bool = True) -> None:
    """``T``, and for a run that ``trains`` the language epochs, ``L``
    (``iterations`` wins) and the further (model width) overrides of
    ``scale``."""
    if scale.num_frames is not None:
        set_num_frames(cfg, scale.num_frames)
    if not trains:
        return
    if scale.cfg_options:
        cfg.merge_from_dict(dict(scale.cfg_options))
    if scale.language_epochs is not None:
        required_hook(cfg, 'SemanticClusteringHook')['epochs'] = scale.language_epochs
    iterations = iterations or scale.iterations
    if iterations is not None:
        required_hook(cfg, 'IterativeRelabelHook')['iterations'] = iterations


def set_comparison(cfg: Config, name: str, train_annotation: dict, control: bool) -> None:
    """The prior comparison hook: row ``name``, other-video-query row on request."""
    hook = hook_of(cfg, 'PriorComparisonHook')
    if hook is None:
        hook = dict(type='PriorComparisonHook', train_annotation=train_annotation)
        cfg.custom_hooks.append(hook)
    hook.pop('shuffled_queries', None)  # the deprecated alias
    hook.update(name=name, other_video_queries=control)


def validate_each_iteration(cfg: Config) -> None:
    """Validate after every ``N_e x epochs_per_stage`` epochs (one ``L``)."""
    per_stage = required_hook(cfg, 'IterativeRelabelHook').get('epochs_per_stage', 1)
    cfg.train_cfg.val_interval = cfg.model.text_encoder.num_necks * per_stage


def load_config(config: str, cfg_options: Mapping[str, Any], data_root: str) -> Config:
    """``config`` with ``cfg_options`` merged and ``data_root`` propagated."""
    cfg = Config.fromfile(config)
    return merge_cli_options(cfg, {**dict(cfg_options), 'data_root': data_root})


def evaluate_splits(cfg: Config, dataset: str) -> None:
    """For a run with nothing to train: validate on the first split of
    ``dataset`` and test on the second (if any), as a trained run does."""
    splits = DATASETS_SPECS[dataset].splits
    if len(splits) < 2:
        return
    cfg.val_dataloader = cfg.test_dataloader.copy()
    cfg.val_dataloader.dataset = dict(cfg.test_dataloader.dataset,
                                      annotation=cfg[SPLIT_ANNOTATION[splits[0]]])
    cfg.val_evaluator, cfg.val_cfg = cfg.test_evaluator, dict(type='ValLoop')


def build_run_config(run: Run, data_root: str, features: str, work_dir: str) -> Config:
    """The full config of ``run``."""
    cfg = load_config(run.config, dict(run.cfg_options), data_root)
    use_features(cfg, features, DATASETS_SPECS[run.dataset].feature_dim)
    apply_scale(cfg, run.scale, run.iterations, run.trains)
    set_comparison(cfg, run.name, cfg.train_annotation, run.other_video_queries)
    cfg.randomness = dict(seed=run.seed, deterministic=True)
    if run.eval_each_iteration:
        validate_each_iteration(cfg)
    if run.trains:
        # features read in the main process: the runs already keep the cores
        # busy, and persistent workers take seconds to shut down after each run
        cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    else:
        evaluate_splits(cfg, run.dataset)
    # one checkpoint, at the end: the benchmark needs the numbers only
    cfg.default_hooks.checkpoint.update(interval=10**6, max_keep_ckpts=1, save_last=True)
    cfg.default_hooks.logger.interval = 50
    cfg.work_dir = work_dir
    cfg.experiment_name = osp.basename(work_dir)  # the Runner appends a timestamp
    return cfg
