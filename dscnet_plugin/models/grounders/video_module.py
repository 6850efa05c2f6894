"""The video module of DSCNet-style grounders: label bank, ``L_v``, inference."""
from typing import Dict, List, Optional, Union

import torch

from ...structures import GroundingDataSample, attach_predictions
from ..heads import masked_softmax
from .frame_scoring import adjacent_ratios


class VideoModuleMixin:
    """Training against the pseudo-label bank and prediction from frame
    scores, shared by :class:`~dscnet_plugin.models.DSCNet` and
    :class:`~dscnet_plugin.models.DSCNetVLM`.

    The host model holds ``video_encoder`` (``None``: the input features
    are the frames), ``specific_head``, ``foreground_head`` (``None``: no
    foreground branch, ``h`` is the specific score alone), ``video_losses``
    (``cls``, ``sab``, ``trip``, ``reg``, ``spread``),
    ``grower``, the buffers ``centers`` (``N_e x N_c x d_e``) and
    ``pseudo_labels`` (``N_videos x N_e x N_c x T``), and the attributes
    ``num_necks``, ``num_clusters``, ``num_frames``, ``active_neck``,
    ``splits_activity``, ``foreground_vote``, ``seed`` and ``score_ratios``;
    it defines :meth:`frame_scores` (``B x T`` scores of each video for its
    query, peak 1).
    """

    # ------------------------------------------------------------ state
    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        """Resize the label bank to the checkpoint's before loading it."""
        key = prefix + 'pseudo_labels'
        if key in state_dict and state_dict[key].shape != self.pseudo_labels.shape:
            self.pseudo_labels = torch.zeros_like(state_dict[key], device=self.centers.device)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def init_label_bank(self, num_videos: int) -> None:
        """Allocate ``Y`` for ``num_videos`` training videos (all False)."""
        self.pseudo_labels = torch.zeros(num_videos, self.num_necks, self.num_clusters,
                                         self.num_frames, dtype=torch.bool,
                                         device=self.centers.device)

    # ------------------------------------------------------------ video
    def loss(self, inputs: dict,
             data_samples: List[GroundingDataSample]) -> Dict[str, torch.Tensor]:
        """``L_v`` (Eq. 15) of a batch of videos against their labels for
        neck ``active_neck``: ``loss_cls``, ``loss_sab``, ``loss_trip``,
        ``loss_spread`` (:class:`EncoderSpreadLoss`) and ``loss_reg``
        (DSCNet-VLM, :class:`CentreRegressionLoss`)."""
        feats, mask = inputs['video_feature'], inputs['video_mask'].bool()
        idx = torch.as_tensor([s.metainfo['video_index'] for s in data_samples],
                              device=self.pseudo_labels.device)
        neck = self.active_neck
        labels = self.pseudo_labels[idx, neck].to(feats.device) & mask.unsqueeze(1)  # B x N_c x T
        frames = self.encode_frames(feats, mask)
        spe = self.specific_head(frames, self.centers[neck].unsqueeze(0), neck, mask)
        fore = None if self.foreground_head is None else self.foreground_head(frames, mask)
        losses = {}
        if 'cls' in self.video_losses:  # Eq. 12-14
            h = spe['scores'] if fore is None else spe['scores'] * fore['scores'].unsqueeze(1)
            losses['loss_cls'] = self.video_losses['cls'](h, labels, mask)
        if 'sab' in self.video_losses:  # Eq. 8-10
            sab = self.video_losses['sab']
            gen = torch.Generator().manual_seed(self.seed + int(idx.sum()))
            fires = labels.any(-1)                                           # B x N_c
            pos = spe['pos']
            if getattr(sab, 'pairs', 'all') == 'firing':  # S^p_j from j's frames only
                pos = masked_softmax(spe['logits'], labels) @ spe['frame_embed']
            losses['loss_sab'] = sab(pos, spe['neg'], gen, fires=fires)
        if 'reg' in self.video_losses:
            losses['loss_reg'] = self.video_losses['reg'](spe['frame_embed'], spe['center_embed'],
                                                          labels, mask)
        if 'spread' in self.video_losses:  # not in the paper: reading 27
            losses['loss_spread'] = self.video_losses['spread'](frames, mask)
        if 'trip' in self.video_losses:  # Eq. 11
            if fore is None:
                raise ValueError('the triplet loss (video_losses.trip) needs a foreground_head')
            fg = (labels.any(1) if self.splits_activity  # each frame has one centre
                  else labels.float().mean(1) >= self.foreground_vote)
            losses['loss_trip'] = self.video_losses['trip'](fore['features'], fg, mask)
        return losses

    def encode_frames(self, feats: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``B x T x d_v`` frames of the video encoder (the features
        themselves without one)."""
        return feats if self.video_encoder is None else self.video_encoder(feats, mask)

    def diagnostic_frames(self, feats: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``B x T x d`` frames whose collapse the training diagnostics watch
        (the video encoder's output)."""
        return self.encode_frames(feats, mask)

    # -------------------------------------------------------- inference
    def frame_scores(self, inputs: dict) -> torch.Tensor:
        """``B x T`` frame scores of each video for its query, peak 1."""
        raise NotImplementedError

    def pop_score_ratios(self) -> Optional[torch.Tensor]:
        """The adjacent-frame score ratios of the batches predicted since
        the last call (see :func:`.frame_scoring.adjacent_ratios`; at most
        4096 per batch, the last 256 batches), or None."""
        ratios, self.score_ratios = self.score_ratios, []
        return torch.cat(ratios) if ratios else None

    @torch.no_grad()
    def predict(self, inputs: dict, data_samples: List[GroundingDataSample]
                ) -> List[GroundingDataSample]:
        """Fill ``pred_moments`` (``K x 2`` seconds) and ``pred_scores`` of
        each sample from :meth:`frame_scores` and the grower."""
        mask = inputs['video_mask'].bool()
        frame_scores = self.frame_scores(inputs)
        ratios = adjacent_ratios(_as_positive(frame_scores, mask), mask).float().cpu()[:4096]
        self.score_ratios = self.score_ratios[-255:] + [ratios]  # bounded
        return attach_predictions(data_samples, *self.grower(frame_scores, mask))

    def forward(self, inputs: dict, data_samples: Optional[List[GroundingDataSample]] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], list, torch.Tensor]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.frame_scores(inputs)
        raise ValueError(f'unknown mode {mode!r}')


def _as_positive(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Scores that may be negative (cosines) mapped to [0, 1] per video by
    min-max, for the ratio diagnostics; non-negative scores unchanged."""
    if not bool((scores[mask] < 0).any()):
        return scores
    low = scores.masked_fill(~mask, float('inf')).min(-1, keepdim=True).values
    high = scores.masked_fill(~mask, -float('inf')).max(-1, keepdim=True).values
    return (scores - low) / (high - low).clamp(min=1e-12) * mask
