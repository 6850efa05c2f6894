"""R@k at IoU thresholds and mean top-1 IoU for temporal grounding."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from ...registry import METRICS
from ...structures import batched_nms, gather_kept, segment_iou
from ...structures.segments import IOU_EPS


def _as_numpy(x) -> np.ndarray:
    if hasattr(x, 'detach'):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


@METRICS.register_module()
class GroundingRecall(BaseMetric):
    """``R{k}@{t}`` (percent of queries with a hit among the top-k
    predictions at IoU threshold t), ``mIoU`` (mean IoU of the top-1
    prediction, percent) and ``top1_len`` (mean length of the top-1
    prediction, percent of the video: near 100 when a model predicts whole
    videos), in one pass.

    Predictions and ground truth are normalised by the video duration; the
    predicted ranked list is reduced by greedy NMS before the top-k is taken.
    The settings are written into the result dict beside the numbers.

    Args:
        topk: Ranks ``k`` reported.
        iou_thrs: IoU thresholds ``t`` reported.
        nms_thresh: NMS IoU threshold on the predicted list (a candidate
            with IoU > this with a better one is dropped); ``1.0`` disables.
        iou_cmp: ``'>='`` (hit when IoU >= t, the usual convention) or ``'>'``.
        clip_end: Clip predicted and ground-truth segments into
            ``[0, duration]`` before computing IoU.
        collect_device: Device used to gather results across ranks.
        prefix: Prefix of the result keys.
    """

    default_prefix: Optional[str] = ''  # keys stay exactly 'R1@0.5' etc.

    def __init__(self, topk: Sequence[int] = (1, 5),
                 iou_thrs: Sequence[float] = (0.3, 0.5, 0.7),
                 nms_thresh: float = 0.5, iou_cmp: str = '>=',
                 clip_end: bool = True, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if iou_cmp not in ('>=', '>'):
            raise ValueError(f"iou_cmp must be '>=' or '>', got {iou_cmp!r}")
        self.topk = tuple(int(k) for k in topk)
        self.iou_thrs = tuple(float(t) for t in iou_thrs)
        self.nms_thresh = float(nms_thresh)
        self.iou_cmp = iou_cmp
        self.clip_end = bool(clip_end)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep, per sample, the normalised predictions and ground truth."""
        for sample in data_samples:
            duration = float(sample['duration'])
            moments = _as_numpy(sample['pred_moments']).reshape(-1, 2) / duration
            scores = sample.get('pred_scores')
            scores = (-np.arange(len(moments), dtype=np.float64) if scores is None
                      else _as_numpy(scores).reshape(-1))
            gt = _as_numpy(sample['gt_moment']).reshape(2) / duration
            self.results.append(dict(moments=moments, scores=scores, gt=gt))

    def compute_metrics(self, results: List[dict]) -> Dict[str, object]:
        if not results:
            print_log('GroundingRecall: no sample was evaluated',
                      logger='current', level=30)
            return {}
        n = len(results)
        kmax = max(max(len(r['moments']) for r in results), 1)
        moments = np.zeros((n, kmax, 2))
        scores = np.full((n, kmax), -np.inf)
        valid = np.zeros((n, kmax), bool)
        for i, r in enumerate(results):
            m = len(r['moments'])
            moments[i, :m] = r['moments']
            scores[i, :m] = r['scores']
            valid[i, :m] = True
        return self.evaluate_arrays(moments, scores, valid,
                                    np.stack([r['gt'] for r in results]))

    def evaluate_arrays(self, moments: np.ndarray, scores: np.ndarray,
                        valid: np.ndarray, gt: np.ndarray) -> Dict[str, object]:
        """Metrics of N ranked prediction lists.

        Args:
            moments: ``N x K x 2`` predicted segments, normalised by duration.
            scores: ``N x K`` their scores (higher ranks first).
            valid: ``N x K`` bool mask of real predictions.
            gt: ``N x 2`` normalised ground-truth segments.

        Returns:
            ``R{k}@{t}``, ``mIoU`` and ``top1_len`` in percent, plus the
            settings.
        """
        if self.clip_end:
            moments = np.clip(moments, 0.0, 1.0)
            gt = np.clip(gt, 0.0, 1.0)
        keep = batched_nms(moments, scores, valid, self.nms_thresh, max(self.topk))
        kept, kept_valid = gather_kept(moments, keep), keep >= 0
        iou = np.where(kept_valid, segment_iou(kept, gt[:, None, :]), 0.0)
        out: Dict[str, object] = {}
        for k in self.topk:
            for t in self.iou_thrs:
                hit = (iou[:, :k] >= t - IOU_EPS if self.iou_cmp == '>='
                       else iou[:, :k] > t + IOU_EPS)
                out[f'R{k}@{t:g}'] = float((hit & kept_valid[:, :k]).any(axis=1).mean() * 100)
        out['mIoU'] = float(iou[:, 0].mean() * 100)
        top1_len = np.where(kept_valid[:, 0], kept[:, 0, 1] - kept[:, 0, 0], 0.0)
        out['top1_len'] = float(top1_len.mean() * 100)
        out.update(self.settings())
        return out

    def settings(self) -> Dict[str, object]:
        """The settings that change the numbers, reported beside them."""
        return dict(nms_thresh=self.nms_thresh, iou_cmp=self.iou_cmp,
                    clip_end=self.clip_end)
