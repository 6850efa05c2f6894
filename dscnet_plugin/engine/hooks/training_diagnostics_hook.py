"""Collapse diagnostics in every training log: labels, encoder, centres."""
import logging
import math
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log

from ...registry import HOOKS
from ..diagnostics import (center_cosine_spread, collapse_signs, distinct_label_rows,
                           foreground_share, majority_disagreement, mean_pairwise_cosine,
                           score_ratio_summary)
from ..loops.resident_features import resident_of
from .semantic_clustering_hook import unwrap

#: Names of the video-loss terms in the log.
LOSS_NAMES = dict(loss_cls='L_cls', loss_sab='L_sab', loss_trip='L_trip', loss_spread='L_spread',
                  loss='L_v')


@HOOKS.register_module()
class TrainingDiagnosticsHook(Hook):
    """Logs one ``[diagnostics]`` line before the first epoch and after every
    ``interval`` epochs (after that epoch's relabelling: the hook runs after
    :class:`IterativeRelabelHook`), and whenever :meth:`log_diagnostics` is
    called (e.g. by the relabel hook):

    - the epoch's mean video losses, and whether ``L_cls`` (a mean binary
      cross entropy) is below ``ln 2``, the loss of scores stuck at 0.5;
    - from the label bank ``model.pseudo_labels`` (``V x N_e x N_c x T``):
      the mean number of distinct label rows among the ``N_c`` centres per
      (video, neck), the foreground share and the share of labels off the
      majority across centres, both over real frames (when the training
      pipeline pads short videos their real frames are read once, in one
      pass over the training set; otherwise every frame is real);
    - the mean pairwise cosine of the video encoder's outputs over all real
      frames of a fixed probe batch (the first ``probe_videos`` training
      videos, loaded once; eval mode, no gradients), beside that of the
      input features;
    - per neck the mean off-diagonal cosine between the centres
      ``model.centers`` (``N_e x N_c x d_e``), raw and centred (each neck's
      mean centre subtracted), and the same for the projected centres when
      the specific head has ``embed_centers(centers, neck)``; with the
      min / max over all centre pairs of all necks.

    After each validation / test epoch: the distribution of the
    adjacent-frame ratios of the inference scores (``min / max``; the model's
    ``pop_score_ratios()``, when it has one): quantiles and the shares at or
    above 0.9 / 0.8, the paper's growing thresholds.

    A line showing a collapse sign (encoder cosine above
    ``encoder_cos_max``, fewer than ``distinct_rows_min`` distinct rows, a
    neck's projected-centre mean cosine above ``projected_cos_max``) is
    logged at WARNING level and starts with ``COLLAPSE``. Only the main
    process computes and logs.

    Args:
        probe_videos: Videos of the probe batch.
        interval: Log after every this many epochs.
        encoder_cos_max: Threshold of the encoder-cosine warning.
        distinct_rows_min: Threshold of the distinct-rows warning.
        projected_cos_max: Threshold of the projected-centre warning.
        log_start: Log before the first epoch (after the initial labels).

    Attributes:
        last: The statistics of the last logged line (see :meth:`compute`).
    """

    priority = 'LOW'

    def __init__(self, probe_videos: int = 8, interval: int = 1,
                 encoder_cos_max: float = 0.9, distinct_rows_min: float = 1.5,
                 projected_cos_max: float = 0.95, log_start: bool = True) -> None:
        if probe_videos < 1 or interval < 1:
            raise ValueError(f'probe_videos ({probe_videos}) and interval ({interval}) '
                             'must be >= 1')
        self.probe_videos = probe_videos
        self.interval = interval
        self.thresholds = dict(encoder_cos_max=encoder_cos_max,
                               distinct_rows_min=distinct_rows_min,
                               projected_cos_max=projected_cos_max)
        self.log_start = log_start
        self.last: Dict[str, object] = {}
        self.last_score_ratios: Dict[str, float] = {}
        self._probe: Optional[Tuple[torch.Tensor, torch.Tensor]] = None
        self._real: Optional[torch.Tensor] = None
        self._real_known = False
        self._sums: Dict[str, float] = {}
        self._iters = 0

    # ------------------------------------------------------------ hooks
    def _log_score_ratios(self, runner) -> None:
        pop = getattr(unwrap(runner.model), 'pop_score_ratios', None)
        ratios = pop() if pop is not None else None
        if ratios is None or not ratios.numel() or not is_main_process():
            return
        s = score_ratio_summary(ratios)
        self.last_score_ratios = s
        print_log(f'[diagnostics] test scores, adjacent-frame ratio (min/max) of '
                  f'{int(s["count"])} pairs: 10% {s["q10"]:.3f}, median {s["median"]:.3f}, '
                  f'90% {s["q90"]:.3f}; >= 0.9: {s["at_least_0_9"]:.1%}, '
                  f'>= 0.8: {s["at_least_0_8"]:.1%}', logger='current')

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._log_score_ratios(runner)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._log_score_ratios(runner)

    def before_train(self, runner) -> None:
        if self.log_start:
            self.log_diagnostics(runner, 'start')

    def before_train_epoch(self, runner) -> None:
        self._sums, self._iters = {}, 0

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        for k, v in (outputs or {}).items():
            if k.startswith('loss'):
                value = float(v.detach()) if isinstance(v, torch.Tensor) else float(v)
                self._sums[k] = self._sums.get(k, 0.0) + value
        self._iters += 1

    def after_train_epoch(self, runner) -> None:
        if (runner.epoch + 1) % self.interval == 0:
            losses = {k: v / self._iters for k, v in self._sums.items()} if self._iters else {}
            self.log_diagnostics(runner, f'epoch {runner.epoch + 1}', losses)

    # ------------------------------------------------------- public API
    @classmethod
    def find(cls, runner) -> Optional['TrainingDiagnosticsHook']:
        """The runner's diagnostics hook, or None (for other hooks: ``hook =
        TrainingDiagnosticsHook.find(runner); if hook: hook.log_diagnostics(runner,
        'relabel ...')``)."""
        return next((h for h in runner.hooks if isinstance(h, cls)), None)

    def log_diagnostics(self, runner, tag: str,
                        losses: Optional[Dict[str, float]] = None) -> Dict[str, object]:
        """Compute the diagnostics and log them as one line
        ``[diagnostics] <tag>: ...`` (WARNING level with ``COLLAPSE`` when a
        collapse sign shows). Returns :meth:`compute`'s dict (empty on
        other processes than the main one)."""
        if not is_main_process():
            return {}
        stats = self.compute(runner, losses)
        signs = stats['signs']
        head = f'[diagnostics] {tag}: ' + (f"COLLAPSE ({'; '.join(signs)}) " if signs else '')
        print_log(head + self.describe(stats), logger='current',
                  level=logging.WARNING if signs else logging.INFO)
        self.last = stats
        return stats

    @torch.no_grad()
    def compute(self, runner, losses: Optional[Dict[str, float]] = None) -> Dict[str, object]:
        """The statistics, as a dict: ``losses`` (as given), ``cls_below_ln2``
        (None when not comparable), ``distinct_rows``, ``single_row_share``,
        ``num_clusters``, ``foreground``, ``off_majority``, ``real_frames``
        (``'read'`` or ``'all'``), ``encoder_cos``, ``input_cos``,
        ``probe_videos``, ``centers`` / ``centred`` / ``projected`` /
        ``projected_centred`` (:func:`center_cosine_spread` dicts or None),
        ``projected_cos`` (highest neck mean) and ``signs``; label and
        centre entries are absent before the labels / centres exist."""
        model = unwrap(runner.model)
        stats: Dict[str, object] = dict(losses=dict(losses or {}))
        stats['cls_below_ln2'] = self._cls_below_ln2(model, stats['losses'])
        bank = model.pseudo_labels
        if bool(model.labels_ready) and bank.size(0):
            real = self._real_frames(runner, bank)
            rows = distinct_label_rows(bank)
            stats.update(distinct_rows=float(rows.mean()), num_clusters=bank.size(2),
                         single_row_share=float((rows == 1).float().mean()),
                         foreground=foreground_share(bank, real),
                         off_majority=majority_disagreement(bank, real),
                         real_frames='all' if real is None else 'read')
        feats, mask = self._probe_batch(runner, model.centers.device)
        was_training = model.training
        model.eval()
        frames_of = getattr(model, 'diagnostic_frames', None) or model.video_encoder
        with torch.no_grad():
            stats['encoder_cos'] = mean_pairwise_cosine(frames_of(feats, mask), mask)
        model.train(was_training)
        stats.update(input_cos=mean_pairwise_cosine(feats, mask), probe_videos=feats.size(0))
        if bool(model.centers_ready):
            centers = model.centers
            stats.update(centers=center_cosine_spread(centers),
                         centred=center_cosine_spread(centers, centred=True))
            head = getattr(model, 'specific_head', None)
            if hasattr(head, 'embed_centers'):
                projected = torch.stack([head.embed_centers(centers[i:i + 1], i)[0]
                                         for i in range(centers.size(0))])
                stats.update(projected=center_cosine_spread(projected),
                             projected_centred=center_cosine_spread(projected, centred=True))
                stats['projected_cos'] = float(stats['projected']['mean'].max())
        stats['signs'] = collapse_signs(stats, **self.thresholds)
        return stats

    @staticmethod
    def describe(stats: Dict[str, object]) -> str:
        """The text of a :meth:`compute` dict (without the tag)."""
        parts = []
        losses = stats['losses']
        if losses:
            text = ', '.join(f'{LOSS_NAMES.get(k, k)} {v:.4f}' for k, v in losses.items())
            below = stats['cls_below_ln2']
            if below is not None:
                text += f" (L_cls {'below' if below else 'not below'} ln 2 = {math.log(2):.4f})"
            parts.append(text)
        if 'distinct_rows' in stats:
            frames = ('all frames real' if stats['real_frames'] == 'all'
                      else 'over real frames')
            parts.append(f"labels: {stats['distinct_rows']:.2f} of {stats['num_clusters']} "
                         f"distinct rows per (video, neck) ({stats['single_row_share']:.0%} "
                         f"with 1), {stats['foreground']:.1%} foreground, "
                         f"{stats['off_majority']:.2%} off the centres' majority ({frames})")
        parts.append(f"encoder cos {stats['encoder_cos']:.3f} (input features "
                     f"{stats['input_cos']:.3f}; {stats['probe_videos']} probe videos)")
        spreads = [(name, stats.get(key)) for name, key in (
            ('raw', 'centers'), ('centred', 'centred'), ('projected', 'projected'),
            ('projected centred', 'projected_centred'))]
        spreads = [f"{name} {'/'.join(f'{v:.2f}' for v in s['mean'].tolist())} "
                   f"[{float(s['min'].min()):.2f}, {float(s['max'].max()):.2f}]"
                   for name, s in spreads if s is not None]
        if spreads:
            parts.append('centre cos per neck ' + ', '.join(spreads))
        return ' | '.join(parts)

    # ---------------------------------------------------------- helpers
    @staticmethod
    def _cls_below_ln2(model, losses: Dict[str, float]) -> Optional[bool]:
        """Whether the weighted mean ``L_cls`` is below ``weight x ln 2``;
        None without ``loss_cls`` or with a summed (not averaged) BCE."""
        terms = getattr(model, 'video_losses', {})
        cls = terms['cls'] if 'loss_cls' in losses and 'cls' in terms else None
        if cls is None or getattr(cls, 'reduction', 'mean') != 'mean':
            return None
        return losses['loss_cls'] < getattr(cls, 'loss_weight', 1.0) * math.log(2)

    def _probe_batch(self, runner, device) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(K x T x D features, K x T mask)`` of the first training videos."""
        resident = resident_of(runner)
        if self._probe is None and resident is not None:  # no reading
            rows = resident.gather(range(min(self.probe_videos, len(resident))))
            self._probe = rows['video_feature'], rows['video_mask']
        if self._probe is None:
            dataset = runner.train_dataloader.dataset
            items = [dataset[i]['inputs'] for i in range(min(self.probe_videos, len(dataset)))]
            self._probe = (torch.stack([x['video_feature'] for x in items]),
                           torch.stack([x['video_mask'] for x in items]).bool())
        feats, mask = self._probe
        return feats.to(device), mask.to(device)

    def _real_frames(self, runner, bank: torch.Tensor) -> Optional[torch.Tensor]:
        """``V x T`` real-frame mask of the training videos, or None when the
        pipeline pads nothing (every frame real). Read once."""
        if not self._real_known:
            dataset = runner.train_dataloader.dataset
            transforms: List = getattr(getattr(dataset, 'pipeline', None), 'transforms', [])
            resident = resident_of(runner)
            if resident is not None:
                self._real = None if bool(resident.mask.all()) else resident.mask.cpu()
            elif any(getattr(t, 'short_mode', None) == 'pad' for t in transforms):
                real = torch.ones(bank.size(0), bank.size(-1), dtype=torch.bool)
                for i in range(len(dataset)):  # one pass, as the first relabelling
                    item = dataset[i]
                    real[item['data_samples'].metainfo['video_index']] = \
                        item['inputs']['video_mask'].bool()
                self._real = real
                print_log(f'[diagnostics] real frames of {len(dataset)} training videos read '
                          '(the pipeline pads short videos)', logger='current')
            self._real_known = True
        return None if self._real is None else self._real.to(bank.device)
