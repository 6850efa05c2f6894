"""Training-free grounding in a vision-language space (TFVTG without its LLM)."""
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmengine.model import BaseModel

from ...registry import INFERENCE_GROWERS, MODELS
from ...structures import GroundingDataSample, attach_predictions
from ...utils import build_pinned
from .proposal_scoring import similarity_curve


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
    2. Proposals (the grower's fields): sliding windows at every scale of ``scales`` (durations as
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
        grower: Config of the inference grower that turns the curve into
            ranked segments (default :class:`ProposalGrower`, steps 1-4; its
            fields are the proposal settings; ``type`` may name another
            grower).
        data_preprocessor: Config of the data preprocessor.
        init_cfg: Initialisation config (there are no weights).
    """

    def __init__(self, grower: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        pre = build_pinned(MODELS, data_preprocessor or
                           dict(type='GroundingDataPreprocessor'))
        super().__init__(data_preprocessor=pre, init_cfg=init_cfg)
        self.grower = build_pinned(INFERENCE_GROWERS, dict(dict(type='ProposalGrower'),
                                                           **(grower or {})))

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
        prepare = getattr(self.grower, 'prepare_curve', None)
        return curve if prepare is None else prepare(curve, mask)

    def frame_curves(self, inputs: dict) -> torch.Tensor:
        """``B x T`` similarity curves (step 1, before the threshold)."""
        return self._curves(*self._checked(inputs))

    def score_proposals(self, inputs: dict) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Every proposal of every video with its score (a
        :class:`ProposalGrower`'s).

        Returns:
            ``(B x P x 2`` normalised segments in [0, 1] of the real
            frames, ``B x P`` float64 scores, ``B x T`` curves)``.
        """
        video, mask, query = self._checked(inputs)
        curve = self._curves(video, mask, query)
        segments, scores = self.grower.score_proposals(curve, mask)
        return segments, scores, curve

    @torch.no_grad()
    def predict(self, inputs: dict, data_samples: List[GroundingDataSample]
                ) -> List[GroundingDataSample]:
        if not data_samples:
            raise ValueError('ZeroShotVLMGrounder needs data_samples (they carry the durations)')
        video, mask, query = self._checked(inputs)
        return attach_predictions(data_samples,
                                  *self.grower(similarity_curve(video, query, mask), mask))

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
