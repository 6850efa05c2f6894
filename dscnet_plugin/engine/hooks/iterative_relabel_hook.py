"""Algorithm 1: initial pseudo labels, then per (iteration, neck) stages of
video training, each followed by relabelling from the new features."""
from typing import List, Optional, Tuple

import torch
from mmengine.dist import all_gather, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log

from ...registry import HOOKS
from ...utils import track
from .semantic_clustering_hook import unwrap


@HOOKS.register_module()
class IterativeRelabelHook(Hook):
    """Runs the iterative learning of Algorithm 1 inside the epoch loop.

    The training epochs are split into ``iterations x N_e`` stages of
    ``epochs_per_stage`` epochs: stage ``s`` trains neck ``s mod N_e`` in
    iteration ``s // N_e``. Before the first epoch the label bank is filled
    from ``C`` and ``F`` (Algorithm 1, line 1); after the last epoch of a
    stage, the labels of its neck are recomputed from the new ``f_hat``
    (line 7). The labels live in the model (a buffer indexed by
    ``video_index``), so the dataloader and its persistent workers hold no
    copy that could go stale, and checkpoints save them with the model.

    With several processes each rank labels a shard of the videos and the
    shards are gathered, so every rank trains on the same labels.

    Args:
        iterations: ``L`` (paper: 5).
        epochs_per_stage: Epochs of video training per (iteration, neck).
        batch_size: Videos per relabelling batch.
        cache_features: Keep the resampled features of all training videos
            on the model's device after the first pass (no reloading for
            each relabelling) when they fit in ``cache_limit_gb``.
        cache_limit_gb: Largest feature cache, in GiB.
    """

    priority = 'NORMAL'

    def __init__(self, iterations: int = 5, epochs_per_stage: int = 1,
                 batch_size: int = 64, cache_features: bool = True,
                 cache_limit_gb: float = 8.0) -> None:
        self.iterations = iterations
        self.epochs_per_stage = epochs_per_stage
        self.batch_size = batch_size
        self.cache_features = cache_features
        self.cache_limit_gb = cache_limit_gb
        self._cache: Optional[List[Tuple[torch.Tensor, ...]]] = None

    # ----------------------------------------------------------- schedule
    def stage_of(self, epoch: int, num_necks: int) -> Tuple[int, int]:
        """``(iteration, neck)`` of a 0-based epoch."""
        stage = epoch // self.epochs_per_stage
        return stage // num_necks, stage % num_necks

    def before_train(self, runner) -> None:
        model = unwrap(runner.model)
        self._fix_schedule(runner, model.num_necks)
        dataset = runner.train_dataloader.dataset
        if bool(model.labels_ready):
            if model.pseudo_labels.size(0) == len(dataset):
                return
            print_log(f'[relabel] the loaded label bank has {model.pseudo_labels.size(0)} '
                      f'videos, this training set {len(dataset)}: labelling afresh',
                      logger='current')
        model.init_label_bank(len(dataset))
        self.relabel(runner, list(range(model.num_necks)), initial=True)
        model.labels_ready.fill_(True)
        print_log(f'[relabel] initial labels for {len(dataset)} videos, '
                  f'{model.num_necks} necks: {self._fg_share(model):.1%} foreground',
                  logger='current')

    def _fix_schedule(self, runner, num_necks: int) -> None:
        """Make the epoch loop run ``iterations x N_e x epochs_per_stage``
        epochs: the loop fixes its length when it is built, before the model
        (and so ``N_e``) is known to the config, so ablations of ``L`` or
        ``N_e`` need only change the hook or the text encoder."""
        loop = runner.train_loop
        expected = self.iterations * num_necks * self.epochs_per_stage
        if loop.max_epochs != expected:
            print_log(f'[video] {expected} epochs = {self.iterations} iterations x '
                      f'{num_necks} necks x {self.epochs_per_stage} epochs per stage '
                      f'(train_cfg.max_epochs was {loop.max_epochs})', logger='current')
            loop._max_epochs = expected
            loop._max_iters = expected * len(loop.dataloader)
            runner.message_hub.update_info('max_epochs', loop.max_epochs)
            runner.message_hub.update_info('max_iters', loop.max_iters)

    def before_train_epoch(self, runner) -> None:
        model = unwrap(runner.model)
        iteration, neck = self.stage_of(runner.epoch, model.num_necks)
        model.active_neck = neck
        if runner.epoch % self.epochs_per_stage == 0:
            print_log(f'[video] iteration {iteration + 1}/{self.iterations}, '
                      f'neck {neck + 1}/{model.num_necks}', logger='current')

    def after_train_epoch(self, runner) -> None:
        if (runner.epoch + 1) % self.epochs_per_stage:
            return
        model = unwrap(runner.model)
        iteration, neck = self.stage_of(runner.epoch, model.num_necks)
        before = model.pseudo_labels[:, neck].clone()
        self.relabel(runner, [neck])
        changed = (model.pseudo_labels[:, neck] != before).float().mean()
        print_log(f'[relabel] iteration {iteration + 1}, neck {neck + 1}: '
                  f'{changed:.1%} of the labels changed, '
                  f'{self._fg_share(model, neck):.1%} foreground', logger='current')

    # ---------------------------------------------------------- relabel
    def _batches(self, runner, device) -> List[Tuple[torch.Tensor, ...]]:
        """This rank's shard of the training videos as ``(features, mask,
        video_index)`` batches, cached on ``device`` when allowed."""
        if self._cache is not None:
            return self._cache
        dataset = runner.train_dataloader.dataset
        rank, world = get_rank(), get_world_size()
        indices = list(range(rank, len(dataset), world))
        batches, nbytes = [], 0
        starts = range(0, len(indices), self.batch_size)
        for i in track(starts):  # loading the features of every training video
            items = [dataset[j] for j in indices[i:i + self.batch_size]]
            feats = torch.stack([x['inputs']['video_feature'] for x in items]).to(device)
            mask = torch.stack([x['inputs']['video_mask'] for x in items]).bool().to(device)
            index = torch.tensor([x['data_samples'].metainfo['video_index'] for x in items],
                                 device=device)
            batches.append((feats, mask, index))
            nbytes += feats.numel() * feats.element_size()
        if self.cache_features and nbytes <= self.cache_limit_gb * 2**30:
            self._cache = batches
        return batches

    @torch.no_grad()
    def relabel(self, runner, necks: List[int], initial: bool = False) -> None:
        """Recompute the labels of ``necks`` for every training video
        (``initial``: the first labels, see ``DSCNet.compute_labels``)."""
        model = unwrap(runner.model)
        was_training = model.training
        model.eval()
        device = model.centers.device
        labels, index = [], []
        batches = self._batches(runner, device)
        for feats, mask, idx in track(batches):
            labels.append(model.compute_labels(feats, mask, necks, initial))
            index.append(idx)
        labels, index = torch.cat(labels), torch.cat(index)
        if get_world_size() > 1:
            labels, index = self._gather(labels, index)
        model.pseudo_labels[index[:, None], torch.tensor(necks, device=device)[None]] = \
            labels.to(model.pseudo_labels.device)
        model.train(was_training)

    @staticmethod
    def _gather(labels: torch.Tensor, index: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """All ranks' shards (padded to equal length for the collective)."""
        n = torch.tensor([index.numel()], device=index.device)
        size = int(max(all_gather(n)).item())
        pad = size - index.numel()
        lab = torch.cat([labels, labels.new_zeros((pad,) + labels.shape[1:])])
        idx = torch.cat([index, index.new_full((pad,), -1)])
        all_lab, all_idx = torch.cat(all_gather(lab)), torch.cat(all_gather(idx))
        keep = all_idx >= 0
        return all_lab[keep], all_idx[keep]

    @staticmethod
    def _fg_share(model, neck: Optional[int] = None) -> float:
        bank = model.pseudo_labels if neck is None else model.pseudo_labels[:, neck]
        return float(bank.float().mean())
