"""Frequency prior snapped to the video's own boundaries (reads the video,
never the query)."""
from typing import List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.model import BaseModel

from ...registry import MODELS
from ...structures import GroundingDataSample, attach_predictions, batched_nms, gather_kept
from ...utils import build_pinned
from .base_prior import training_moments
from .frequency_prior import grid_cell_counts


def boundary_evidence(feats: torch.Tensor, mask: torch.Tensor, window: int,
                      edge_score: float) -> torch.Tensor:
    """How much the video changes at each frame boundary.

    Boundary ``k`` (``0..T``) lies before frame ``k``; its evidence is the
    distance between the mean features of the ``window`` frames after it
    and the ``window`` frames before it, z-scored over the video's real
    boundaries. The two ends of the video get ``edge_score``.

    Args:
        feats: ``B x T x D`` features.
        mask: ``B x T`` bool real frames (a prefix of each row).
        window: Frames averaged on each side.
        edge_score: Evidence of the first and last boundary.

    Returns:
        ``B x (T + 1)`` evidence; ``-inf`` beyond the last real boundary.
    """
    b, t, _ = feats.shape
    x = feats.float() * mask[..., None]
    csum = torch.cat([x.new_zeros(b, 1, x.shape[-1]), x.cumsum(1)], 1)   # B x T+1 x D
    length = mask.sum(1, keepdim=True)                                   # B x 1
    k = torch.arange(t + 1, device=feats.device).expand(b, -1)           # B x T+1
    lo = (k - window).clamp(min=0)
    hi = torch.minimum(k + window, length)
    gather = lambda idx: csum.gather(1, idx[..., None].expand(-1, -1, x.shape[-1]))
    left = (gather(k.clamp(max=t)) - gather(lo)) / (k - lo).clamp(min=1)[..., None]
    right = (gather(hi.clamp(min=0)) - gather(torch.minimum(k, hi))) \
        / (hi - k).clamp(min=1)[..., None]
    dist = (left - right).norm(dim=-1)
    inner = (k > 0) & (k < length)
    n = inner.sum(1, keepdim=True).clamp(min=1)
    mean = (dist * inner).sum(1, keepdim=True) / n
    std = (((dist - mean) ** 2 * inner).sum(1, keepdim=True) / n).sqrt().clamp(min=1e-6)
    z = torch.where(inner, (dist - mean) / std, torch.full_like(dist, edge_score))
    return z.masked_fill(k > length, -float('inf'))


@MODELS.register_module()
class BoundaryFrequencyPrior(BaseModel):
    """Every segment between two frame boundaries of the video is scored by
    the log-frequency of its training grid cell (as :class:`FrequencyPrior`)
    plus ``boundary_weight`` times the change evidence at its two ends
    (:func:`boundary_evidence`); NMS keeps the top ``k``.

    A baseline beyond the paper that uses the video but not the query: it
    measures how far "where do moments usually lie" plus "where does this
    video change" goes without any text–video link. Like the other priors it
    reads the training boundaries (never paired with videos or queries).

    Args:
        train_annotation: Config of the training annotation reader.
        grid: Cells per axis of the frequency grid.
        boundary_weight: Weight of the boundary evidence (0: the frequency
            prior's cells at frame resolution).
        window: Frames averaged on each side of a boundary.
        edge_score: Evidence of the video's first and last boundary.
        smoothing: Count added to every grid cell before the log.
        candidates: Best-scored segments handed to NMS per video.
        nms_thresh: NMS IoU threshold.
        top_k: Segments kept.
    """

    def __init__(self, train_annotation: Union[dict, object], grid: int = 16,
                 boundary_weight: float = 0.5, window: int = 4, edge_score: float = 2.0,
                 smoothing: float = 0.5, candidates: int = 300, nms_thresh: float = 0.5,
                 top_k: int = 5, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        pre = build_pinned(MODELS, data_preprocessor or
                           dict(type='GroundingDataPreprocessor'))
        super().__init__(data_preprocessor=pre, init_cfg=init_cfg)
        counts = grid_cell_counts(training_moments(train_annotation), grid).astype(np.float64)
        with np.errstate(divide='ignore'):  # empty cells: -inf without smoothing
            log_freq = np.log((counts + smoothing) / (counts + smoothing).sum())
        self.register_buffer('log_freq', torch.from_numpy(log_freq).float())
        self.grid = grid
        self.boundary_weight = boundary_weight
        self.window = window
        self.edge_score = edge_score
        self.candidates = candidates
        self.nms_thresh = nms_thresh
        self.top_k = top_k

    def segment_scores(self, feats: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``B x (T + 1) x (T + 1)`` score of segment [boundary s, boundary
        e]; ``-inf`` unless ``s < e <= length``."""
        ev = boundary_evidence(feats, mask, self.window, self.edge_score)
        b, t1 = ev.shape
        length = mask.sum(1).float().view(b, 1, 1)
        k = torch.arange(t1, device=ev.device, dtype=torch.float32)
        s_pos = k.view(1, -1, 1) / length
        e_pos = k.view(1, 1, -1) / length
        n = self.grid
        i = (s_pos * n).floor().clamp(max=n - 1).long()
        j = torch.maximum(i, ((e_pos * n).ceil() - 1).clamp(min=0, max=n - 1).long())
        score = self.log_freq[i, j] + self.boundary_weight * (ev[:, :, None] + ev[:, None, :])
        ok = (k.view(1, -1, 1) < k.view(1, 1, -1)) & (k.view(1, 1, -1) <= length)
        return score.masked_fill(~ok, -float('inf'))

    @torch.no_grad()
    def predict_normalized(self, feats: torch.Tensor, mask: torch.Tensor
                           ) -> Tuple[np.ndarray, np.ndarray]:
        """``(B x k x 2 normalised segments, B x k scores)``, best first,
        ``-inf`` scores in unfilled slots."""
        score = self.segment_scores(feats, mask.bool())
        b, t1, _ = score.shape
        top = score.view(b, -1).topk(min(self.candidates, t1 * t1), dim=1)
        length = mask.bool().sum(1, keepdim=True).double().cpu()
        s = (top.indices // t1).double().cpu() / length
        e = (top.indices % t1).double().cpu() / length
        segs = torch.stack([s, e], -1).numpy()
        sc = top.values.double().cpu().numpy()
        keep = batched_nms(segs, sc, np.isfinite(sc), self.nms_thresh, self.top_k)
        return gather_kept(segs, keep), np.where(keep >= 0, gather_kept(sc, keep), -np.inf)

    def forward(self, inputs: dict, data_samples: Optional[List[GroundingDataSample]] = None,
                mode: str = 'predict'):
        if mode == 'loss':
            raise RuntimeError('BoundaryFrequencyPrior has nothing to train; evaluate it '
                               'with tools/test.py')
        segs, scores = self.predict_normalized(inputs['video_feature'], inputs['video_mask'])
        if mode == 'tensor':
            return torch.as_tensor(segs, dtype=torch.float32)
        if mode != 'predict':
            raise ValueError(f'unknown mode {mode!r}')
        return attach_predictions(data_samples, segs, scores)
