"""Moment retrieval metrics of QVHighlights (moment_detr's standalone
evaluation): R1@t and mAP with several ground-truth windows per query."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from ...registry import METRICS
from ...structures import segment_iou
from ...structures.segments import IOU_EPS
from .grounding_recall import _as_numpy

#: moment_detr's mAP thresholds, 0.5:0.05:0.95 (rounded to two decimals).
MAP_IOU_THRS = tuple(round(float(t), 2) for t in np.linspace(0.5, 0.95, 10))


def ground_truth_windows(sample: dict) -> np.ndarray:
    """``K x 2`` ground-truth windows (seconds) of a sample dict:
    ``gt_windows`` when present, else the single ``gt_moment``."""
    windows = sample.get('gt_windows')
    if windows is None:
        if sample.get('gt_moment') is None:
            raise KeyError('MomentRetrievalMetric: a sample has neither gt_windows nor '
                           'gt_moment (test split without ground truth?)')
        windows = sample['gt_moment']
    return _as_numpy(windows).reshape(-1, 2)


def interpolated_ap(precision: np.ndarray, recall: np.ndarray) -> np.ndarray:
    """VOC-2011 interpolated average precision of ranked lists.

    Precision is made non-increasing from the right (its upper envelope)
    and summed over the recall increments, with recall 0 / precision 0
    prepended and recall 1 / precision 0 appended.

    Args:
        precision: ``... x P`` precision after each rank.
        recall: ``... x P`` recall after each rank.

    Returns:
        ``...`` average precisions.
    """
    lead = precision.shape[:-1]
    zeros, ones = np.zeros(lead + (1,)), np.ones(lead + (1,))
    prec = np.concatenate([zeros, precision, zeros], -1)
    rec = np.concatenate([zeros, recall, ones], -1)
    env = np.flip(np.maximum.accumulate(np.flip(prec, -1), axis=-1), -1)
    return ((rec[..., 1:] - rec[..., :-1]) * env[..., 1:]).sum(-1)


def match_predictions(iou: np.ndarray, pred_valid: np.ndarray, gt_valid: np.ndarray,
                      thresholds: np.ndarray) -> np.ndarray:
    """Greedy one-to-one matching of ranked predictions to ground-truth
    windows, per query and threshold (ActivityNet / moment_detr rule).

    Predictions are visited in rank order; each takes the still unmatched
    window of highest IoU if that IoU is >= the threshold (ties: the
    window listed last, as moment_detr's reversed argsort), else it is a
    false positive. The loop runs over ranks, vectorised over queries,
    thresholds and windows.

    Args:
        iou: ``N x P x G`` IoU of each prediction with each window.
        pred_valid: ``N x P`` bool real predictions (a prefix of each row).
        gt_valid: ``N x G`` bool real windows.
        thresholds: ``(H,)`` IoU thresholds.

    Returns:
        ``N x H x P`` bool true positives.
    """
    n, p, g = iou.shape
    h = len(thresholds)
    locked = np.zeros((n, h, g), bool)
    tp = np.zeros((n, h, p), bool)
    rows = np.arange(n)[:, None]
    cols = np.arange(h)[None, :]
    for r in range(p):
        cand = np.broadcast_to(iou[:, None, r, :], (n, h, g))
        ok = (cand >= thresholds[None, :, None] - IOU_EPS) & ~locked & gt_valid[:, None, :]
        best = g - 1 - np.argmax(np.flip(np.where(ok, cand, -np.inf), -1), axis=-1)
        hit = ok.any(-1) & pred_valid[:, r, None]
        tp[:, :, r] = hit
        locked[rows, cols, best] |= hit
    return tp


@METRICS.register_module()
class MomentRetrievalMetric(BaseMetric):
    """QVHighlights moment retrieval metrics (moment_detr's
    ``standalone_eval``), in percent:

    - ``R1@{t}``: the top-1 prediction's best IoU over the query's
      ground-truth windows is >= t.
    - ``mAP@{t}``: per query, the interpolated average precision of its
      first ``max_pred_windows`` predictions (ranked by score, ties in list
      order) against all its windows (each window matched once), then the
      mean over queries; ``mAP`` is its mean over ``map_iou_thrs``.

    Ground truth: ``gt_windows`` (``K x 2`` seconds) of each sample, else
    ``gt_moment``. A query with no prediction scores 0; queries with no
    ground-truth window are left out and counted in the log. IoU
    comparisons have the package's :data:`~dscnet_plugin.structures.segments.IOU_EPS`
    slack (moment_detr compares exactly). No NMS and no clipping: the lists
    are evaluated as the model ranked them.

    Args:
        r1_thrs: Thresholds of ``R1@t``.
        map_thrs: Thresholds reported as ``mAP@t`` (each must be in
            ``map_iou_thrs``).
        map_iou_thrs: Thresholds averaged into ``mAP``.
        max_pred_windows: Predictions per query that count (moment_detr: 10).
        collect_device: Device used to gather results across ranks.
        prefix: Prefix of the result keys.
    """

    default_prefix: Optional[str] = ''  # keys stay exactly 'R1@0.5' etc.

    def __init__(self, r1_thrs: Sequence[float] = (0.5, 0.7),
                 map_thrs: Sequence[float] = (0.5, 0.75),
                 map_iou_thrs: Sequence[float] = MAP_IOU_THRS,
                 max_pred_windows: int = 10, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.r1_thrs = tuple(float(t) for t in r1_thrs)
        self.map_iou_thrs = tuple(float(t) for t in map_iou_thrs)
        self.map_thrs = tuple(float(t) for t in map_thrs)
        unknown = [t for t in self.map_thrs
                   if not np.isclose(self.map_iou_thrs, t).any()]
        if unknown:
            raise ValueError(f'map_thrs {unknown} are not in map_iou_thrs {self.map_iou_thrs}')
        if max_pred_windows < 1:
            raise ValueError(f'max_pred_windows must be >= 1, got {max_pred_windows}')
        self.max_pred_windows = int(max_pred_windows)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep, per sample, its first ``max_pred_windows`` predictions
        ranked by score and its ground-truth windows (seconds)."""
        for sample in data_samples:
            moments = _as_numpy(sample['pred_moments']).reshape(-1, 2)[:self.max_pred_windows]
            scores = sample.get('pred_scores')
            scores = (-np.arange(len(moments), dtype=np.float64) if scores is None
                      else _as_numpy(scores).reshape(-1)[:self.max_pred_windows])
            order = np.argsort(-scores, kind='stable')
            self.results.append(dict(moments=moments[order],
                                     gt=ground_truth_windows(sample)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, object]:
        kept = [r for r in results if len(r['gt'])]
        if len(kept) < len(results):
            print_log(f'MomentRetrievalMetric: {len(results) - len(kept)} of {len(results)} '
                      'queries have no ground-truth window and are left out',
                      logger='current', level=30)
        if not kept:
            print_log('MomentRetrievalMetric: no sample with ground truth was evaluated',
                      logger='current', level=30)
            return {}
        preds, pred_valid = _pad([r['moments'] for r in kept])
        gts, gt_valid = _pad([r['gt'] for r in kept])
        return self.evaluate_arrays(preds, pred_valid, gts, gt_valid)

    def evaluate_arrays(self, preds: np.ndarray, pred_valid: np.ndarray, gts: np.ndarray,
                        gt_valid: np.ndarray) -> Dict[str, object]:
        """Metrics of N ranked prediction lists.

        Args:
            preds: ``N x P x 2`` predictions, best first.
            pred_valid: ``N x P`` bool real predictions (a prefix per row).
            gts: ``N x G x 2`` ground-truth windows.
            gt_valid: ``N x G`` bool real windows (at least one per row).

        Returns:
            ``R1@t``, ``mAP@t`` and ``mAP`` in percent, and
            ``max_pred_windows``.
        """
        iou = np.where(pred_valid[:, :, None] & gt_valid[:, None, :],
                       segment_iou(preds[:, :, None, :], gts[:, None, :, :]), 0.0)
        out: Dict[str, object] = {}
        best_top1 = np.where(pred_valid[:, 0], iou[:, 0].max(-1), 0.0)
        for t in self.r1_thrs:
            out[f'R1@{t:g}'] = float((best_top1 >= t - IOU_EPS).mean() * 100)
        thrs = np.asarray(self.map_iou_thrs)
        ap = self.average_precision(iou, pred_valid, gt_valid, thrs)  # N x H
        per_thr = ap.mean(0)
        for t in self.map_thrs:
            out[f'mAP@{t:g}'] = float(per_thr[np.isclose(thrs, t)][0] * 100)
        out['mAP'] = float(per_thr.mean() * 100)
        out['max_pred_windows'] = self.max_pred_windows
        return out

    def evaluate_ranked(self, moments: np.ndarray, scores: np.ndarray, valid: np.ndarray,
                        gt_windows: Sequence[np.ndarray]) -> Dict[str, object]:
        """Metrics of N scored prediction lists (as :meth:`process` keeps
        them: the ``max_pred_windows`` best by score), e.g. a prior's.

        Args:
            moments: ``N x K x 2`` predictions (the unit of ``gt_windows``).
            scores: ``N x K`` their scores.
            valid: ``N x K`` bool real predictions.
            gt_windows: ``N`` arrays ``G_i x 2`` of ground-truth windows;
                queries with none are left out.
        """
        order = np.argsort(-np.where(valid, scores, -np.inf), axis=1,
                           kind='stable')[:, :self.max_pred_windows]
        preds = np.take_along_axis(moments, order[..., None], axis=1)
        pred_valid = np.take_along_axis(valid, order, axis=1)
        kept = [i for i, g in enumerate(gt_windows) if len(g)]
        gts, gt_valid = _pad([np.asarray(gt_windows[i], np.float64).reshape(-1, 2)
                              for i in kept])
        return self.evaluate_arrays(preds[kept], pred_valid[kept], gts, gt_valid)

    @staticmethod
    def average_precision(iou: np.ndarray, pred_valid: np.ndarray, gt_valid: np.ndarray,
                          thresholds: np.ndarray) -> np.ndarray:
        """``N x H`` per-query interpolated AP at each threshold (0 for a
        query without predictions)."""
        tp = match_predictions(iou, pred_valid, gt_valid, thresholds)
        fp = pred_valid[:, None, :] & ~tp
        tp_cum = np.cumsum(tp, -1, dtype=np.float64)
        fp_cum = np.cumsum(fp, -1, dtype=np.float64)
        seen = tp_cum + fp_cum
        precision = np.divide(tp_cum, seen, out=np.zeros_like(tp_cum), where=seen > 0)
        recall = tp_cum / gt_valid.sum(-1).astype(np.float64)[:, None, None]
        return interpolated_ap(precision, recall)


def _pad(arrays: List[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """Stack ``K_i x 2`` arrays into ``N x K x 2`` with a ``N x K`` mask."""
    k = max(max(len(a) for a in arrays), 1)
    out = np.zeros((len(arrays), k, 2))
    valid = np.zeros((len(arrays), k), bool)
    for i, a in enumerate(arrays):
        out[i, :len(a)] = a
        valid[i, :len(a)] = True
    return out, valid
