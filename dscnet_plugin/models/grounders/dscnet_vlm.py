"""DSCNet in the space of a pretrained vision-language model (DSCNet-VLM)."""
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from ...registry import (ATTENTION_HEADS, INFERENCE_GROWERS, LOSSES, MODELS, NECK_CLUSTERERS,
                         PSEUDO_LABELLERS)
from ...utils import build_pinned
from ..labellers import center_similarity
from .frame_scoring import SCORE_MODES, query_scores
from .video_module import VideoModuleMixin


@MODELS.register_module()
class DSCNetVLM(VideoModuleMixin, BaseModel):
    """DSCNet whose queries and frames live in one vision-language space
    (CLIP-style features, ``docs/vlm.md``).

    The paper's language module is replaced by the VLM's text features: the
    semantic centres ``C`` (``1 x N_c x D``) are K-means clusters of the
    training queries' features (:class:`~dscnet_plugin.engine.QueryClusteringHook`),
    so there is one neck (``N_e = 1``). The initial pseudo labels come from
    the frame-centre cosine in the shared space, the cross-modal anchor the
    paper's method lacks (``pseudo_labeller``, e.g.
    :class:`~dscnet_plugin.models.AnchorShareLabeller`); they are refined by
    the paper's iterative training (:class:`~dscnet_plugin.engine.IterativeRelabelHook`),
    relabelling from the learned frame-centre logits blended with the anchor
    (``anchor_weight``). At inference the query's own feature is its centre.

    ``forward(inputs, data_samples, mode)`` as :class:`DSCNet`'s, with
    ``inputs['query_feature']`` (``B x D``) in place of the query tokens.

    Args:
        feature_dim: ``D`` of the VLM space (512 for CLIP ViT-B/32).
        specific_head: Config of the specific attention head
            (``frame_dim``, ``center_dim``, ``num_necks`` are filled in), e.g.
            :class:`~dscnet_plugin.models.SharedSpaceHead`.
        clusterer: Config of the query-feature clusterer (``N_c``).
        pseudo_labeller: Config of the labeller, called as
            ``labeller(scores B x N_c x T, mask B x T)``.
        grower: Config of the inference grower (e.g.
            :class:`~dscnet_plugin.models.ProposalGrower`).
        video_losses: ``{name: loss config}`` of ``L_v`` (``cls``, ``sab``,
            ``trip``, ``reg``), as :class:`DSCNet`'s.
        video_encoder: Config of a video encoder before the heads
            (``in_dim`` is filled in); ``None``: the heads read the VLM
            features themselves.
        foreground_head: Config of the foreground head (``in_dim`` filled
            in); ``None``: none.
        num_frames: ``T`` of the label bank.
        center_queries: Subtract the training queries' mean feature (and
            re-normalise) before clustering, for the anchor and at inference:
            the part every query shares (the text side of the modality gap)
            does not tell the centres apart.
        anchor_weight: Relabelling scores = ``anchor_weight`` x anchor cosine
            + ``(1 - anchor_weight)`` x learned logit, each standardised per
            video over all centres and frames (0: the paper's relabelling from
            the learned features; 1: the anchor labels are kept).
        score_mode: ``'cosine'`` (the specific head's logits times its
            temperature: the frame-query cosine in the learned space, for a
            grower that ranks windows of a curve), ``'probability'`` or
            ``'softmax_product'`` (see :mod:`.frame_scoring`).
        inference_temperature: Temperature of the inference scores.
        seed: Seed of the loss-side sampling.
    """

    def __init__(self, feature_dim: int, specific_head: dict, clusterer: dict,
                 pseudo_labeller: dict, grower: dict, video_losses: dict,
                 video_encoder: Optional[dict] = None,
                 foreground_head: Optional[dict] = None, num_frames: int = 64,
                 center_queries: bool = True, anchor_weight: float = 1.0,
                 score_mode: str = 'cosine', inference_temperature: float = 1.0,
                 seed: int = 0, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if score_mode not in SCORE_MODES + ('cosine',):
            raise ValueError(f"score_mode must be one of {SCORE_MODES + ('cosine',)}, got "
                             f'{score_mode!r}')
        if score_mode != 'cosine' and foreground_head is None:
            raise ValueError(f'score_mode {score_mode!r} needs a foreground_head')
        if not 0.0 <= anchor_weight <= 1.0:
            raise ValueError(f'anchor_weight must be in [0, 1], got {anchor_weight}')
        pre = build_pinned(MODELS, data_preprocessor or dict(type='GroundingDataPreprocessor'))
        super().__init__(data_preprocessor=pre, init_cfg=init_cfg)
        self.video_encoder = None if video_encoder is None else build_pinned(
            MODELS, dict(video_encoder, in_dim=feature_dim))
        frame_dim = feature_dim if video_encoder is None else video_encoder['embed_dim']
        self.specific_head = build_pinned(ATTENTION_HEADS, dict(
            specific_head, frame_dim=frame_dim, center_dim=feature_dim, num_necks=1))
        self.foreground_head = None if foreground_head is None else build_pinned(
            ATTENTION_HEADS, dict(foreground_head, in_dim=frame_dim))
        self.clusterer = build_pinned(NECK_CLUSTERERS, clusterer)
        self.pseudo_labeller = build_pinned(PSEUDO_LABELLERS, pseudo_labeller)
        self.grower = build_pinned(INFERENCE_GROWERS, grower)
        self.video_losses = torch.nn.ModuleDict(
            {k: build_pinned(LOSSES, v) for k, v in video_losses.items()})
        self.feature_dim = feature_dim
        self.num_necks = 1
        self.num_clusters = self.clusterer.num_clusters
        self.num_frames = num_frames
        self.center_queries = center_queries
        self.anchor_weight = anchor_weight
        self.score_mode = score_mode
        self.inference_temperature = inference_temperature
        self.splits_activity = getattr(self.pseudo_labeller, 'splits_activity', False)
        self.foreground_vote = 0.5
        self.seed = seed
        self.score_ratios: List[torch.Tensor] = []
        self.active_neck = 0
        self.register_buffer('centers', torch.zeros(1, self.num_clusters, feature_dim))
        self.register_buffer('query_mean', torch.zeros(feature_dim))
        self.register_buffer('pseudo_labels', torch.zeros(
            0, 1, self.num_clusters, num_frames, dtype=torch.bool))
        self.register_buffer('centers_ready', torch.tensor(False))
        self.register_buffer('labels_ready', torch.tensor(False))

    # ---------------------------------------------------------- centres
    def prepare_queries(self, feats: torch.Tensor, fit: bool = False) -> torch.Tensor:
        """``M x D`` query features as centres: L2-normalised, minus the
        training queries' mean and re-normalised (``center_queries``);
        ``fit`` sets the mean from these queries (all training queries)."""
        x = F.normalize(feats.float(), dim=-1, eps=1e-8)
        if not self.center_queries:
            return x
        if fit:
            self.query_mean.copy_(x.mean(0))
        return F.normalize(x - self.query_mean.to(x), dim=-1, eps=1e-8)

    @torch.no_grad()
    def fit_centers(self, query_features: torch.Tensor) -> torch.Tensor:
        """Cluster the ``M x D`` features of all training queries into the
        ``1 x N_c x D`` centres (stored; returned)."""
        x = self.prepare_queries(query_features.to(self.centers.device), fit=True)
        self.set_centers(self.clusterer(x.unsqueeze(1)))
        return self.centers.clone()

    def set_centers(self, centers: torch.Tensor) -> None:
        """Store ``1 x N_c x D`` centres (unit rows)."""
        self.centers.copy_(F.normalize(centers.to(self.centers), dim=-1, eps=1e-8))
        self.centers_ready.fill_(True)

    # ----------------------------------------------------------- labels
    @torch.no_grad()
    def compute_labels(self, feats: torch.Tensor, mask: torch.Tensor,
                       necks: List[int], initial: bool = False) -> torch.Tensor:
        """``B x 1 x N_c x T`` labels of a batch of ``B x T x D`` videos:
        from the frame-centre cosines (``initial``, Algorithm 1 line 1,
        "based on C and F"), else from those blended with the learned
        frame-centre logits (line 7)."""
        anchor = center_similarity(feats, self.centers)                  # B x N_c x T
        scores = anchor
        if not initial and self.anchor_weight < 1.0:
            frames = self.encode_frames(feats, mask)
            logits = self.specific_head(frames, self.centers, 0, mask)['logits']
            if self.foreground_head is not None:
                logits = logits + self.foreground_head(frames, mask)['logits'].unsqueeze(1)
            scores = (self.anchor_weight * _standardise(anchor, mask)
                      + (1.0 - self.anchor_weight) * _standardise(logits, mask))
        return self.pseudo_labeller(scores, mask).unsqueeze(1)

    def diagnostic_frames(self, feats: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``B x T x D`` frames in the learned space (the specific head's
        ``F_hat``), whose collapse the training diagnostics watch."""
        frames = self.encode_frames(feats, mask)
        return self.specific_head(frames, self.centers, 0, mask)['frame_embed']

    # -------------------------------------------------------- inference
    def frame_scores(self, inputs: dict) -> torch.Tensor:
        """``B x T`` scores of each video for its query (the query's own
        feature as its centre): cosines, or with peak 1 (``score_mode``)."""
        feats, mask = inputs['video_feature'], inputs['video_mask'].bool()
        query = self.prepare_queries(inputs['query_feature']).unsqueeze(1)  # B x 1 x D
        frames = self.encode_frames(feats, mask)
        spe = self.specific_head(frames, query, 0, mask)
        if self.score_mode == 'cosine':
            return spe['logits'][:, 0] * getattr(self.specific_head, 'temperature', 1.0) * mask
        return query_scores(self.score_mode, [spe], self.foreground_head(frames, mask), mask,
                            self.inference_temperature)


def _standardise(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``B x K x T`` scores minus their mean over the video's real frames
    and all ``K`` rows, over their std there: one affine map per video, so
    the centres keep their order at every frame (what the labeller reads)."""
    m = mask.unsqueeze(1).to(x.dtype).expand_as(x)
    n = m.sum((1, 2), keepdim=True).clamp(min=1)
    mean = (x * m).sum((1, 2), keepdim=True) / n
    var = (((x - mean) * m) ** 2).sum((1, 2), keepdim=True) / n
    return (x - mean) / var.sqrt().clamp(min=1e-6) * m
