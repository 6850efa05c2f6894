"""Algorithm 1: initial pseudo labels, then per (iteration, neck) stages of
video training, each followed by relabelling from the new features."""
import io
import os.path as osp
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.dist import all_gather, get_rank, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log

from ...datasets.errors import CheckpointError, UnsafeFileError
from ...registry import HOOKS
from ...utils import safe_torch_load, track
from ..atomic_local_backend import atomic_write_bytes
from ..loops.resident_features import resident_of
from .epoch_timer_hook import sync_cuda
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
            each relabelling) when they fit in ``cache_limit_gb``. With
            :class:`~dscnet_plugin.engine.ResidentEpochBasedTrainLoop`'s
            resident features the batches are drawn from those instead.
        cache_limit_gb: Largest feature cache, in GiB.
        record_videos: ``video_index`` values of training videos whose labels
            are recorded after the initial labelling and after each
            relabelling, into ``<work_dir>/label_history.pt`` (rewritten on
            rank 0 each time; see :meth:`save_history`). Empty: no record.
    """

    #: File name of the label history in the work dir.
    history_file = 'label_history.pt'

    priority = 'NORMAL'

    def __init__(self, iterations: int = 5, epochs_per_stage: int = 1,
                 batch_size: int = 64, cache_features: bool = True,
                 cache_limit_gb: float = 8.0, record_videos: Sequence[int] = ()) -> None:
        self.iterations = iterations
        self.epochs_per_stage = epochs_per_stage
        self.batch_size = batch_size
        self.cache_features = cache_features
        self.cache_limit_gb = cache_limit_gb
        self._cache: Optional[List[Tuple[torch.Tensor, ...]]] = None
        self.record_videos = [int(i) for i in record_videos]
        self._history: List[Dict[str, Any]] = []
        #: Wall seconds of each relabelling pass (the initial one first).
        self.relabel_seconds: List[float] = []

    # ----------------------------------------------------------- schedule
    def stage_of(self, epoch: int, num_necks: int) -> Tuple[int, int]:
        """``(iteration, neck)`` of a 0-based epoch."""
        stage = epoch // self.epochs_per_stage
        return stage // num_necks, stage % num_necks

    def before_train(self, runner) -> None:
        model = unwrap(runner.model)
        self._fix_schedule(runner, model.num_necks)
        dataset = runner.train_dataloader.dataset
        bad = [i for i in self.record_videos if not 0 <= i < len(dataset)]
        if bad:
            raise ValueError(f'record_videos {bad}: the training set has {len(dataset)} '
                             'videos (video_index 0..N-1)')
        if bool(model.labels_ready):
            if model.pseudo_labels.size(0) == len(dataset):
                self._resume_history(runner)
                return
            print_log(f'[relabel] the loaded label bank has {model.pseudo_labels.size(0)} '
                      f'videos, this training set {len(dataset)}: labelling afresh',
                      logger='current')
        model.init_label_bank(len(dataset))
        self.relabel(runner, list(range(model.num_necks)), initial=True)
        model.labels_ready.fill_(True)
        self._record(runner, iteration=0, neck=-1, epoch=0)
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
        self._record(runner, iteration=iteration + 1, neck=neck, epoch=runner.epoch + 1)
        print_log(f'[relabel] iteration {iteration + 1}, neck {neck + 1}: '
                  f'{changed:.1%} of the labels changed, '
                  f'{self._fg_share(model, neck):.1%} foreground '
                  f'({self.relabel_seconds[-1]:.2f} s)', logger='current')
        if runner.epoch + 1 == runner.max_epochs and getattr(model, 'temperature_grid', None):
            self.fit_temperature(runner, model)

    @torch.no_grad()
    def fit_temperature(self, runner, model) -> Dict[float, float]:
        """After the last stage: the model's inference temperature from its
        pseudo labels (``DSCNet.fit_inference_temperature``); returns the
        ``{temperature: mean IoU}`` table."""
        was_training = model.training
        model.eval()
        table = model.fit_inference_temperature(self._batches(runner, model.centers.device))
        model.train(was_training)
        print_log(f'[temperature] top-1 segment vs {model.temperature_target}, mean IoU '
                  'on the training videos: ' + ', '.join(f'{t:g}: {v:.3f}'
                                                         for t, v in table.items())
                  + f' -> {float(model.fitted_temperature):g}', logger='current')
        return table

    # ---------------------------------------------------------- relabel
    def _batches(self, runner, device) -> Sequence[Tuple[torch.Tensor, ...]]:
        """This rank's shard of the training videos as ``(features, mask,
        video_index)`` batches, cached on ``device`` when allowed."""
        if self._cache is not None:
            return self._cache
        dataset = runner.train_dataloader.dataset
        rank, world = get_rank(), get_world_size()
        indices = list(range(rank, len(dataset), world))
        resident = resident_of(runner)
        if resident is not None:  # ResidentEpochBasedTrainLoop: already on the device
            return resident.relabel_batches(indices, self.batch_size)
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
        start = time.perf_counter()
        self._relabel(runner, necks, initial)
        sync_cuda()
        self.relabel_seconds.append(time.perf_counter() - start)

    def _relabel(self, runner, necks: List[int], initial: bool) -> None:
        model = unwrap(runner.model)
        was_training = model.training
        model.eval()
        device = model.centers.device
        labels, index = [], []
        batches = self._batches(runner, device)
        if initial and getattr(model, 'aligner', None) is not None and model.splits_activity:
            # every centre's visual prototype first
            model.fit_alignment(self.alignment_rows(model, batches))
        for feats, mask, idx in track(batches):
            labels.append(model.compute_labels(feats, mask, necks, initial))
            index.append(idx)
        labels, index = torch.cat(labels), torch.cat(index)
        if get_world_size() > 1:
            labels, index = self._gather(labels, index)
        model.pseudo_labels[index[:, None], torch.tensor(necks, device=device)[None]] = \
            labels.to(model.pseudo_labels.device)
        model.train(was_training)

    @torch.no_grad()
    def alignment_rows(self, model, batches) -> torch.Tensor:
        """The aligner's ``M x D`` descriptors of all training videos (every
        rank's), in video order (time order within a video), whatever the
        sharding."""
        rows, owner = [], []
        for f, m, idx in batches:
            r, pos = model.alignment_descriptors(f, m)
            rows.append(r)
            owner.append(idx[pos])
        rows, owner = torch.cat(rows), torch.cat(owner)
        if get_world_size() > 1:
            rows, owner = self._gather_rows(rows), self._gather_rows(owner)
        return rows[torch.sort(owner, stable=True).indices]

    # ---------------------------------------------------------- history
    def _record(self, runner, iteration: int, neck: int, epoch: int) -> None:
        """Append the ``N_e x N_c x T`` bank rows of ``record_videos``
        (tagged ``iteration``, ``neck``, ``epoch``) and save the history."""
        if not self.record_videos:
            return
        bank = unwrap(runner.model).pseudo_labels
        rows = bank[torch.tensor(self.record_videos, device=bank.device)].cpu().clone()
        self._history.append(dict(labels=rows, iteration=iteration, neck=neck, epoch=epoch))
        self.save_history(runner)

    def save_history(self, runner) -> None:
        """Write ``<work_dir>/label_history.pt`` (rank 0 only): a dict of
        ``video_indices`` (``(V,)`` int64), ``video_ids`` (``V`` strings),
        ``labels`` (``S x V x N_e x N_c x T`` bool, one entry per record),
        ``iteration`` (``(S,)``: 0 for the initial labels, else the 1-based
        iteration whose stage was just trained), ``neck`` (``(S,)``: the
        relabelled neck, ``-1`` for the initial labels of all necks) and
        ``epoch`` (``(S,)``: epochs done). Written atomically (a killed
        run leaves the previous history); load it with
        :func:`~dscnet_plugin.utils.safe_torch_load` or
        ``torch.load(path, weights_only=True)``."""
        if not is_main_process() or not self._history:
            return
        dataset = runner.train_dataloader.dataset
        history = dict(
            video_indices=torch.tensor(self.record_videos, dtype=torch.long),
            video_ids=[str(dataset.get_data_info(i)['video_id']) for i in self.record_videos],
            labels=torch.stack([h['labels'] for h in self._history]),
            **{k: torch.tensor([h[k] for h in self._history], dtype=torch.long)
               for k in ('iteration', 'neck', 'epoch')})
        buffer = io.BytesIO()  # serialised first: a full disk is an OSError naming the file
        torch.save(history, buffer)
        atomic_write_bytes(buffer.getvalue(), osp.join(runner.work_dir, self.history_file))

    def _resume_history(self, runner) -> None:
        """Continue the history of a resumed run: keep the saved entries of
        the epochs the checkpoint has done. A broken history file (empty,
        truncated, not a history) is logged and a new history begun; a
        refused one (:class:`UnsafeFileError`) stops the run."""
        path = osp.join(runner.work_dir, self.history_file)
        if not self.record_videos or not osp.isfile(path):
            return
        keys = ('video_indices', 'labels', 'iteration', 'neck', 'epoch')
        try:
            saved = safe_torch_load(path, what='label history')
            if not isinstance(saved, dict) or not all(k in saved for k in keys):
                raise CheckpointError(path, f'not a label history (expected a dict of '
                                      f'{", ".join(keys)})')
        except UnsafeFileError:
            raise
        except CheckpointError as e:
            print_log(f'[relabel] {e}: starting a new label history', logger='current')
            return
        if saved['video_indices'].tolist() != self.record_videos:
            return
        self._history = [dict(labels=lab, iteration=int(it), neck=int(nk), epoch=int(ep))
                         for lab, it, nk, ep in zip(saved['labels'], saved['iteration'],
                                                    saved['neck'], saved['epoch'])
                         if int(ep) <= runner.epoch]

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
    def _gather_rows(rows: torch.Tensor) -> torch.Tensor:
        """Every rank's ``M_r x D`` rows, in rank order (padded for the
        collective)."""
        n = torch.tensor([rows.size(0)], device=rows.device)
        sizes = [int(x.item()) for x in all_gather(n)]
        padded = torch.cat([rows, rows.new_zeros((max(sizes) - rows.size(0),) + rows.shape[1:])])
        return torch.cat([r[:k] for r, k in zip(all_gather(padded), sizes)])

    @staticmethod
    def _fg_share(model, neck: Optional[int] = None) -> float:
        bank = model.pseudo_labels if neck is None else model.pseudo_labels[:, neck]
        return float(bank.float().mean())
