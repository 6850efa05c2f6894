"""Training-free grounding in a vision-language space (TFVTG without its LLM)."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.model import BaseModel

from ...registry import MODELS
from ...structures import GroundingDataSample, batched_nms, gather_kept
from ...utils import build_pinned
from .proposal_scoring import (CURVE_NORMS, dynamic_scores, masked_gaussian_smooth,
                               normalize_curve, proposal_frames, proposal_grid,
                               similarity_curve, static_scores, threshold_curve)


@MODELS.register_module()
class ZeroShotVLMGrounder(BaseModel):
    """Ground a query in a video from precomputed vision-language features,
    without any training (Zheng et al., ECCV 2024, "TFVTG", VLM part only;
    our reading in ``docs/vlm.md``, "Training-free grounder").

    1. Curve: cosine similarity of every frame feature with the query
       feature (both L2-normalised), optionally Gaussian-smoothed
       (``smooth_sigma``) and normalised per video (``normalize``); frames
       at or below ``min_similarity`` are zeroed and leave the outside
       means (TFVTG's threshold).
    2. Proposals: sliding windows at every scale of ``scales`` (durations as
       fractions of the video), starts every ``stride_ratio`` x duration.
    3. Score = static + ``dynamic_weight`` x dynamic: static is the mean of
       the curve inside minus the mean outside, dynamic the rise of the
       (``dynamic_sigma``-smoothed) curve at the start and its fall at the
       end over bands of ``boundary_ratio`` x duration.
    4. Greedy NMS at ``nms_thresh`` and the top ``top_k``.

    ``forward(inputs, data_samples, mode)``: ``inputs`` holds
    ``video_feature`` (``B x T x D``), ``video_mask`` (``B x T``, real frames
    first) and ``query_feature`` (``B x D``). ``'predict'`` fills
    ``pred_moments`` (``K x 2`` seconds, from the ``duration`` metainfo) and
    ``pred_scores`` (``K``), best first; ``'tensor'`` returns the ``B x T``
    curves of step 1 before the threshold (0 on padded frames); ``'loss'``
    raises (nothing to train).

    Args:
        scales: Proposal durations as fractions of the video, each in (0, 1].
        stride_ratio: Start step of a scale's windows, as a fraction of
            their duration (``0.125``: neighbours overlap by 7/8).
        smooth_sigma: Std (frames) of the Gaussian smoothing of the curve
            before everything else; ``0`` disables.
        normalize: Per-video normalisation of the curve: ``'none'``,
            ``'minmax'`` (to [0, 1]) or ``'zscore'``.
        min_similarity: Frames whose (normalised) curve value is
            ``<= min_similarity`` count as 0 and leave the outside mean;
            ``None`` disables (TFVTG: 0.2 on raw BLIP-2 similarities, i.e.
            with ``normalize='none'``).
        dynamic_weight: Weight of the dynamic score (``0``: static only).
        dynamic_sigma: Std (frames) of the Gaussian smoothing of the curve
            the dynamic score reads (TFVTG smooths before differencing);
            ``0`` disables.
        boundary_ratio: Width of the start / end bands of the dynamic
            score as a fraction of the window length (at least one frame).
        gaussian_truncate: Radius of both Gaussian kernels in stds.
        nms_thresh: NMS IoU threshold (``>= 1`` disables).
        top_k: Segments kept per query.
        data_preprocessor: Config of the data preprocessor.
        init_cfg: Initialisation config (there are no weights).
    """

    def __init__(self, scales: Sequence[float] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0),
                 stride_ratio: float = 0.125, smooth_sigma: float = 0.0,
                 normalize: str = 'minmax', min_similarity: Optional[float] = None,
                 dynamic_weight: float = 0.5, dynamic_sigma: float = 1.0,
                 boundary_ratio: float = 0.25, gaussian_truncate: float = 2.0,
                 nms_thresh: float = 0.5, top_k: int = 5,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        pre = build_pinned(MODELS, data_preprocessor or
                           dict(type='GroundingDataPreprocessor'))
        super().__init__(data_preprocessor=pre, init_cfg=init_cfg)
        if normalize not in CURVE_NORMS:
            raise ValueError(f'normalize must be one of {CURVE_NORMS}, got {normalize!r}')
        if boundary_ratio <= 0:
            raise ValueError(f'boundary_ratio must be > 0, got {boundary_ratio}')
        if top_k < 1:
            raise ValueError(f'top_k must be >= 1, got {top_k}')
        self.scales = tuple(float(s) for s in scales)
        self.stride_ratio = float(stride_ratio)
        self.grid = proposal_grid(self.scales, self.stride_ratio)  # P x 2 fractions
        self.smooth_sigma = float(smooth_sigma)
        self.normalize = normalize
        self.min_similarity = None if min_similarity is None else float(min_similarity)
        self.dynamic_weight = float(dynamic_weight)
        self.dynamic_sigma = float(dynamic_sigma)
        self.boundary_ratio = float(boundary_ratio)
        self.gaussian_truncate = float(gaussian_truncate)
        self.nms_thresh = float(nms_thresh)
        self.top_k = int(top_k)

    # ------------------------------------------------------------ inputs
    @staticmethod
    def _checked(inputs: dict) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        missing = [k for k in ('video_feature', 'video_mask', 'query_feature')
                   if k not in (inputs or {})]
        if missing:
            raise KeyError(f'ZeroShotVLMGrounder needs inputs {missing}; load the query '
                           'features with the LoadQueryFeatures transform')
        video, mask, query = (inputs['video_feature'], inputs['video_mask'].bool(),
                              inputs['query_feature'])
        if video.dim() != 3 or mask.shape != video.shape[:2]:
            raise ValueError(f'video_feature must be B x T x D with a B x T video_mask, got '
                             f'{tuple(video.shape)} and {tuple(mask.shape)}')
        if query.dim() != 2 or query.shape != (video.shape[0], video.shape[2]):
            raise ValueError(f'query_feature must be B x D = {video.shape[0]} x '
                             f'{video.shape[2]} (the video features\' space), got '
                             f'{tuple(query.shape)}')
        lengths = mask.sum(1)
        if bool((lengths == 0).any()):
            raise ValueError('a video of the batch has no real frame (video_mask all False)')
        prefix = torch.arange(mask.shape[1], device=mask.device) < lengths[:, None]
        if not torch.equal(prefix, mask):
            raise ValueError('video_mask must mark the real frames first and the padding '
                             "last (ResampleFeatures short_mode='pad' does)")
        return video, mask, query

    # ----------------------------------------------------------- scoring
    def _curves(self, video: torch.Tensor, mask: torch.Tensor,
                query: torch.Tensor) -> torch.Tensor:
        curve = similarity_curve(video, query, mask)
        curve = masked_gaussian_smooth(curve, mask, self.smooth_sigma, self.gaussian_truncate)
        return normalize_curve(curve, mask, self.normalize)

    def frame_curves(self, inputs: dict) -> torch.Tensor:
        """``B x T`` similarity curves (step 1, before the threshold)."""
        return self._curves(*self._checked(inputs))

    def score_proposals(self, inputs: dict) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Every proposal of every video with its score.

        Returns:
            ``(B x P x 2`` normalised segments in [0, 1] of the real
            frames, ``B x P`` float64 scores, ``B x T`` curves)``.
        """
        video, mask, query = self._checked(inputs)
        curve = self._curves(video, mask, query)
        lengths = mask.sum(1)
        start, end = proposal_frames(torch.from_numpy(self.grid).to(curve.device), lengths)
        scoring, active = threshold_curve(curve, mask, self.min_similarity)
        scores = static_scores(scoring, active, start, end)
        if self.dynamic_weight != 0:
            smooth = masked_gaussian_smooth(scoring, mask, self.dynamic_sigma,
                                            self.gaussian_truncate)
            scores = scores + self.dynamic_weight * dynamic_scores(
                smooth, lengths, start, end, self.boundary_ratio)
        t = lengths.to(torch.float64).view(-1, 1)
        segments = torch.stack([start.double() / t, end.double() / t], -1)
        return segments, scores, curve

    @torch.no_grad()
    def predict(self, inputs: dict, data_samples: List[GroundingDataSample]
                ) -> List[GroundingDataSample]:
        if not data_samples:
            raise ValueError('ZeroShotVLMGrounder needs data_samples (they carry the durations)')
        segments, scores, _ = self.score_proposals(inputs)
        seg, sc = segments.cpu().numpy(), scores.cpu().numpy()
        keep = batched_nms(seg, sc, np.ones(sc.shape, bool), self.nms_thresh, self.top_k)
        kept_scores = np.where(keep >= 0, gather_kept(sc, keep), -np.inf)
        durations = np.array([float(s.metainfo['duration']) for s in data_samples])
        seconds = gather_kept(seg, keep) * durations[:, None, None]
        for sample, moments, ranked in zip(data_samples, seconds, kept_scores):
            real = np.isfinite(ranked)
            sample.pred_moments = moments[real]
            sample.pred_scores = ranked[real]
        return data_samples

    def forward(self, inputs: dict, data_samples: Optional[List[GroundingDataSample]] = None,
                mode: str = 'predict') -> Union[Dict[str, torch.Tensor], list, torch.Tensor]:
        if mode == 'loss':
            raise RuntimeError('ZeroShotVLMGrounder is training-free: it has no weights and '
                               'nothing to train; evaluate it with tools/test.py')
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.frame_curves(inputs)
        raise ValueError(f'unknown mode {mode!r}')
