"""A tiny DSCNet training config and a probe hook, shared by the training
loop tests (``tests/engine``) and the ``tools/train.py`` test.

The config is ``configs/dscnet_demo.py`` shrunk so that a whole
``Runner.train()`` (language stage, clustering, initial labels, 2 iterations
x 2 necks of video training, validation with the prior table) takes a few
seconds on a CPU.
"""
import contextlib
import logging
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope

from dscnet_plugin.utils import propagate_data_root, walk_dicts

REPO = Path(__file__).resolve().parents[2]
DEMO_CONFIG = REPO / 'configs' / 'dscnet_demo.py'

#: Sizes of the tiny synthetic dataset (every nested generator dict).
TINY_GENERATOR = dict(num_train_videos=24, num_test_videos=8, clips_range=(20, 30),
                      feature_dim=16)
#: ``T`` of the label bank and of every ``ResampleFeatures``.
TINY_FRAMES = 16
#: ``N_e`` and ``N_c`` of the tiny model.
TINY_NECKS, TINY_CLUSTERS, TINY_NECK_DIM = 2, 4, 8
#: Iterations (``L``) and epochs per stage of the tiny schedule.
TINY_ITERATIONS, TINY_EPOCHS_PER_STAGE = 2, 1
#: Epochs the IterativeRelabelHook makes the loop run.
TINY_EPOCHS = TINY_ITERATIONS * TINY_NECKS * TINY_EPOCHS_PER_STAGE


def hook_cfg(cfg: Config, type_name: str) -> dict:
    """The (single) ``custom_hooks`` entry of ``type_name``."""
    found = [h for h in cfg.custom_hooks if h['type'] == type_name]
    assert len(found) == 1, (type_name, cfg.custom_hooks)
    return found[0]


def make_tiny_cfg(data_root: Path, work_dir: Path, config: Path = DEMO_CONFIG) -> Config:
    """``configs/dscnet_demo.py`` (or another demo ``config``) with tiny data,
    model and schedule."""
    cfg = Config.fromfile(str(config))
    original_root = cfg.data_root
    cfg.data_root = str(data_root)
    propagate_data_root(cfg, original_root)
    # the base configs are interpolated, so the generator / pipeline dicts
    # are copies in many places: change every one of them
    generators = resamples = readers = 0
    for d in walk_dicts(cfg._cfg_dict):
        if d.get('type') == 'SyntheticGroundingGenerator':
            d.update(TINY_GENERATOR)
            generators += 1
        elif d.get('type') == 'ResampleFeatures':
            d['num_frames'] = TINY_FRAMES
            resamples += 1
        elif d.get('type') == 'VideoFeatures':
            d['feature_dim'] = TINY_GENERATOR['feature_dim']
            readers += 1
    counts = (generators, resamples, readers)
    assert generators > 5 and resamples >= 3 and readers >= 3, counts
    cfg.feature_dim = TINY_GENERATOR['feature_dim']
    cfg.num_frames = TINY_FRAMES
    labeller = dict(num_iters=10)  # the N-cut's, also inside an activity-split labeller
    if cfg.model.pseudo_labeller.type == 'ActivitySplitLabeller':
        labeller = dict(activity=labeller)
    cfg.merge_from_dict(dict(
        model=dict(
            text_encoder=dict(hidden_dim=16, num_necks=TINY_NECKS, neck_dim=TINY_NECK_DIM),
            video_encoder=dict(in_dim=TINY_GENERATOR['feature_dim'], embed_dim=16,
                               num_heads=2),
            specific_head=dict(joint_dim=16),
            foreground_head=dict(hidden_dim=8),
            clusterer=dict(num_clusters=TINY_CLUSTERS),
            pseudo_labeller=labeller,
            num_frames=TINY_FRAMES),
        train_dataloader=dict(batch_size=8, num_workers=0, persistent_workers=False),
        val_dataloader=dict(batch_size=8),
        test_dataloader=dict(batch_size=8),
        default_hooks=dict(checkpoint=dict(interval=1, max_keep_ckpts=-1),
                           logger=dict(interval=1)),
        randomness=dict(seed=0, deterministic=True),
        work_dir=str(work_dir),
    ))
    hook_cfg(cfg, 'SemanticClusteringHook').update(epochs=2, batch_size=16)
    hook_cfg(cfg, 'IterativeRelabelHook').update(
        iterations=TINY_ITERATIONS, epochs_per_stage=TINY_EPOCHS_PER_STAGE, batch_size=10)
    hook_cfg(cfg, 'PriorComparisonHook').update(other_video_queries=True)
    # every nested data_root points into the given folder
    roots = {d['data_root'] for d in walk_dicts(cfg._cfg_dict) if 'data_root' in d}
    assert roots == {str(data_root)}, roots
    # the loop length is deliberately wrong: the relabel hook must fix it
    assert cfg.train_cfg.max_epochs != TINY_EPOCHS
    return cfg


class StopTraining(RuntimeError):
    """Raised by :class:`Probe` to interrupt a run."""


class Probe(Hook):
    """Records what the training loop did; register it with priority
    ``'LOWEST'`` so it sees every other hook's work of the same stage.

    Attributes:
        initial_bank: The label bank before the first epoch (after the
            initial labelling).
        banks: The bank after each epoch (after its relabelling).
        active_necks: ``model.active_neck`` of each epoch.
        used: Per epoch, ``{video_index: labels}`` of the ``N_c x T``
            labels the classification loss received for that video.
        bank_used: Per epoch, ``{video_index: model.pseudo_labels[idx,
            active_neck]}`` read at ``before_train_iter``.
        epochs_run: The 0-based epochs that ran.
        val_metrics: The metrics of every validation.
        stop_after_epoch: Raise :class:`StopTraining` at the end of this
            1-based epoch (after the checkpoint of that epoch was saved).
    """

    priority = 'LOWEST'

    def __init__(self, stop_after_epoch: Optional[int] = None) -> None:
        self.stop_after_epoch = stop_after_epoch
        self.initial_bank: Optional[torch.Tensor] = None
        self.banks: List[torch.Tensor] = []
        self.active_necks: List[int] = []
        self.used: List[Dict[int, torch.Tensor]] = []
        self.bank_used: List[Dict[int, torch.Tensor]] = []
        self.epochs_run: List[int] = []
        self.val_metrics: List[dict] = []
        self._batch_index: Optional[List[int]] = None
        self._handle = None

    @staticmethod
    def model(runner):
        from dscnet_plugin.engine.hooks.semantic_clustering_hook import unwrap
        return unwrap(runner.model)

    def before_train(self, runner) -> None:
        model = self.model(runner)
        self.initial_bank = model.pseudo_labels.clone()
        # the labels the loss really receives: the cls loss's 2nd argument
        self._handle = model.video_losses['cls'].register_forward_pre_hook(self._spy)

    def after_train(self, runner) -> None:
        if self._handle is not None:
            self._handle.remove()

    def _spy(self, module, args) -> None:
        labels = args[1].detach().cpu().clone()
        assert len(labels) == len(self._batch_index)
        for i, lab in zip(self._batch_index, labels):
            assert i not in self.used[-1], f'video {i} twice in one epoch'
            self.used[-1][i] = lab

    def before_train_epoch(self, runner) -> None:
        self.epochs_run.append(runner.epoch)
        self.active_necks.append(self.model(runner).active_neck)
        self.used.append({})
        self.bank_used.append({})

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = self.model(runner)
        self._batch_index = [int(s.metainfo['video_index'])
                             for s in data_batch['data_samples']]
        for i in self._batch_index:
            self.bank_used[-1][i] = model.pseudo_labels[i, model.active_neck].clone()

    def after_train_epoch(self, runner) -> None:
        self.banks.append(self.model(runner).pseudo_labels.clone())
        if self.stop_after_epoch is not None and runner.epoch + 1 == self.stop_after_epoch:
            raise StopTraining(f'stopped after epoch {self.stop_after_epoch}')

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.val_metrics.append(dict(metrics or {}))


@contextlib.contextmanager
def isolated_run(root: Path) -> Iterator[None]:
    """Work in ``root`` (the configs' paths are relative, as long absolute
    ones make mmengine's yapf formatting of the config slow) on one torch
    thread, and restore the working directory, the default scopes and the
    torch state that ``randomness`` changes afterwards."""
    patch = pytest.MonkeyPatch()
    patch.chdir(root)
    saved_scopes = DefaultScope._instance_dict.copy()
    det = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    rng, threads = torch.get_rng_state(), torch.get_num_threads()
    torch.set_num_threads(1)  # the model is tiny: threads only contend
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(det, warn_only=warn_only)
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn
        torch.set_rng_state(rng)
        DefaultScope._instance_dict.clear()
        DefaultScope._instance_dict.update(saved_scopes)
        patch.undo()


def close_file_logs(runner) -> None:
    """Close the log files of ``runner``'s logger (tmp folders can go)."""
    logger = MMLogger.get_instance(runner.experiment_name)
    for handler in list(logger.handlers):
        if isinstance(handler, logging.FileHandler):
            handler.close()
            logger.removeHandler(handler)
