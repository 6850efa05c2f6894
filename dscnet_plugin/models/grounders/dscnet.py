"""DSCNet (Liu et al., AAAI 2022): the model, built from registered parts."""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel

from ...datasets.text import build_embedding_matrix
from ...registry import (ATTENTION_HEADS, DATA_SOURCES, INFERENCE_GROWERS, LOSSES,
                         MODELS, NECK_CLUSTERERS, PSEUDO_LABELLERS, TEXT_ENCODERS)
from ...structures import GroundingDataSample
from ...utils import build_pinned
from ..heads import masked_softmax


@MODELS.register_module()
class DSCNet(BaseModel):
    """Deep Semantic Clustering Network for unsupervised temporal grounding.

    The model holds the language module (``text_encoder``), the semantic
    centres ``C`` (``N_e x N_c x d_e`` buffer), the video module
    (``video_encoder``, ``specific_head``, ``foreground_head``) and the
    pseudo-label bank ``Y`` (``N_videos x N_e x N_c x T`` bool buffer), so a
    checkpoint carries everything a resumed run needs. The cluster ->
    relabel -> train schedule of Algorithm 1 is driven by
    :class:`~dscnet_plugin.engine.SemanticClusteringHook` and
    :class:`~dscnet_plugin.engine.IterativeRelabelHook`.

    ``forward(inputs, data_samples, mode)``:

    - ``'loss'`` (video module, neck ``active_neck``): ``inputs`` holds
      ``video_feature`` (``B x T x D``) and ``video_mask`` (``B x T``); the
      labels come from the bank by each sample's ``video_index``. Returns
      ``loss_cls``, ``loss_sab``, ``loss_trip`` (Eq. 15, weighted).
    - ``'predict'``: also ``query_tokens`` / ``query_mask`` (``B x L``); the
      query's own necks serve as centres (paper, Inference); fills
      ``pred_moments`` (seconds) and ``pred_scores``.
    - ``'tensor'``: the ``B x T`` frame scores of ``'predict'``.

    Args:
        vocabulary: Config of the training-query vocabulary.
        word_vectors: Config of the word vectors (GloVe).
        text_encoder: Config of the text encoder (``vocab_size``,
            ``word_dim`` and ``embedding`` are filled in); its ``num_necks``
            and ``neck_dim`` are the single source of ``N_e`` and ``d_e``.
        video_encoder: Config of the video encoder; its ``embed_dim`` is
            ``d_v``.
        specific_head: Config of the specific attention head
            (``frame_dim``, ``center_dim``, ``num_necks`` are filled in).
        foreground_head: Config of the foreground attention head
            (``in_dim`` is filled in).
        clusterer: Config of the neck clusterer.
        pseudo_labeller: Config of the pseudo-labeller.
        grower: Config of the inference grower.
        language_losses: ``{name: loss config}`` of ``L_w`` (Eq. 3), called
            as ``cel(logits, tokens, mask)``, ``mse(r_e, r_o)``,
            ``dqa(necks)``; a missing name drops the term.
        video_losses: ``{name: loss config}`` of ``L_v`` (Eq. 15):
            ``cls``, ``sab``, ``trip``.
        num_frames: ``T`` of the label bank.
        foreground_vote: A frame is foreground for the triplet loss when at
            least this fraction of the centres label it 1.
        inference_temperature: Temperature of the per-neck softmax at
            inference.
        seed: Seed of the loss-side sampling (centre subsets of L_sab).
    """

    def __init__(self, vocabulary: dict, word_vectors: dict, text_encoder: dict,
                 video_encoder: dict, specific_head: dict, foreground_head: dict,
                 clusterer: dict, pseudo_labeller: dict, grower: dict,
                 language_losses: Dict[str, dict], video_losses: Dict[str, dict],
                 num_frames: int = 128, foreground_vote: float = 0.5,
                 inference_temperature: float = 1.0, seed: int = 0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        pre = build_pinned(MODELS, data_preprocessor or dict(type='GroundingDataPreprocessor'))
        super().__init__(data_preprocessor=pre, init_cfg=init_cfg)
        self.vocab = build_pinned(DATA_SOURCES, vocabulary)
        embedding = build_embedding_matrix(self.vocab, build_pinned(DATA_SOURCES, word_vectors))
        self.text_encoder = build_pinned(
            TEXT_ENCODERS, dict(text_encoder, vocab_size=len(self.vocab),
                                word_dim=embedding.shape[1], embedding=embedding))
        num_necks, neck_dim = self.text_encoder.num_necks, self.text_encoder.neck_dim
        self.video_encoder = build_pinned(MODELS, video_encoder)
        frame_dim = video_encoder['embed_dim']
        self.specific_head = build_pinned(ATTENTION_HEADS, dict(
            specific_head, frame_dim=frame_dim, center_dim=neck_dim, num_necks=num_necks))
        self.foreground_head = build_pinned(ATTENTION_HEADS,
                                            dict(foreground_head, in_dim=frame_dim))
        self.clusterer = build_pinned(NECK_CLUSTERERS, clusterer)
        self.pseudo_labeller = build_pinned(PSEUDO_LABELLERS, pseudo_labeller)
        self.grower = build_pinned(INFERENCE_GROWERS, grower)
        self.language_losses = torch.nn.ModuleDict(
            {k: build_pinned(LOSSES, v) for k, v in language_losses.items()})
        self.video_losses = torch.nn.ModuleDict(
            {k: build_pinned(LOSSES, v) for k, v in video_losses.items()})
        self.num_necks = num_necks
        self.num_clusters = self.clusterer.num_clusters
        self.num_frames = num_frames
        self.foreground_vote = foreground_vote
        self.inference_temperature = inference_temperature
        self.seed = seed
        self.active_neck = 0
        self.register_buffer('centers', torch.zeros(
            num_necks, self.num_clusters, neck_dim))
        self.register_buffer('pseudo_labels', torch.zeros(
            0, self.num_necks, self.num_clusters, num_frames, dtype=torch.bool))
        self.register_buffer('centers_ready', torch.tensor(False))
        self.register_buffer('labels_ready', torch.tensor(False))

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

    # --------------------------------------------------------- language
    def language_loss(self, tokens: torch.Tensor, mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``L_w`` terms (Eq. 1-3) of a batch of ``B x L`` queries."""
        out = self.text_encoder(tokens, mask)
        terms = dict(cel=lambda f: f(out['logits'], tokens, mask),
                     mse=lambda f: f(out['r_e'], out['r_o']),
                     dqa=lambda f: f(out['necks']))
        return {f'loss_{k}': terms[k](fn) for k, fn in self.language_losses.items()}

    @torch.no_grad()
    def extract_necks(self, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``B x N_e x d_e`` necks of ``B x L`` queries."""
        return self.text_encoder.encode(tokens, mask)['necks']

    def set_centers(self, centers: torch.Tensor) -> None:
        """Store the ``N_e x N_c x d_e`` centres of the query set."""
        self.centers.copy_(centers.to(self.centers))
        self.centers_ready.fill_(True)

    # ------------------------------------------------------------ video
    @torch.no_grad()
    def compute_labels(self, feats: torch.Tensor, mask: torch.Tensor,
                       necks: List[int], initial: bool = False) -> torch.Tensor:
        """Pseudo labels of a batch of videos.

        Relabelling (Algorithm 1, line 7) uses the learned ``f_hat`` and the
        projected centres ``c_hat`` of each neck. The initial labels (line 1,
        "based on C and F") use the input features ``F``: before training,
        frames and centres share no space (their projections are random), so
        the centre cannot yet say which side of a cut it matches, and every
        centre starts from the labeller's centre-free cut (see
        ``docs/method.md``).

        Args:
            feats: ``B x T x D`` video features.
            mask: ``B x T`` real frames.
            necks: Neck indices to label.
            initial: Whether these are the initial labels.

        Returns:
            ``B x len(necks) x N_c x T`` bool labels.
        """
        gen = torch.Generator().manual_seed(self.seed)
        if initial:
            labels = self.pseudo_labeller(feats, None, mask, generator=gen)
            return labels.unsqueeze(1).expand(-1, len(necks), self.num_clusters, -1)
        f_hat = self.specific_head.embed_frames(self.video_encoder(feats, mask))
        return torch.stack([
            self.pseudo_labeller(f_hat, self.specific_head.embed_centers(
                self.centers[i].unsqueeze(0), i), mask, generator=gen)
            for i in necks], dim=1)

    def loss(self, inputs: dict, data_samples: List[GroundingDataSample]) -> Dict[str, torch.Tensor]:
        feats, mask = inputs['video_feature'], inputs['video_mask'].bool()
        idx = torch.as_tensor([s.metainfo['video_index'] for s in data_samples],
                              device=self.pseudo_labels.device)
        neck = self.active_neck
        labels = self.pseudo_labels[idx, neck].to(feats.device)         # B x N_c x T
        frames = self.video_encoder(feats, mask)
        spe = self.specific_head(frames, self.centers[neck].unsqueeze(0), neck, mask)
        fore = self.foreground_head(frames, mask)
        losses = {}
        if 'cls' in self.video_losses:  # Eq. 12-14
            h = spe['scores'] * fore['scores'].unsqueeze(1)
            losses['loss_cls'] = self.video_losses['cls'](h, labels, mask)
        if 'sab' in self.video_losses:  # Eq. 8-10
            gen = torch.Generator().manual_seed(self.seed + int(idx.sum()))
            losses['loss_sab'] = self.video_losses['sab'](spe['pos'], spe['neg'], gen)
        if 'trip' in self.video_losses:  # Eq. 11
            fg = labels.float().mean(1) >= self.foreground_vote
            losses['loss_trip'] = self.video_losses['trip'](fore['features'], fg, mask)
        return losses

    # -------------------------------------------------------- inference
    def frame_scores(self, inputs: dict) -> torch.Tensor:
        """``B x T`` joint frame scores (paper, Inference), peak 1."""
        feats, mask = inputs['video_feature'], inputs['video_mask'].bool()
        necks = self.text_encoder.encode(inputs['query_tokens'], inputs['query_mask'].bool())['necks']
        frames = self.video_encoder(feats, mask)
        fore = self.foreground_head(frames, mask)['scores']
        log_joint = 0.0
        for i in range(self.num_necks):
            spe = self.specific_head(frames, necks[:, i:i + 1], i, mask)['scores'][:, 0]
            s = (spe * fore) / self.inference_temperature
            log_joint = log_joint + torch.log(masked_softmax(s, mask).clamp(min=1e-30))
        log_joint = log_joint.masked_fill(~mask, -float('inf'))
        return torch.exp(log_joint - log_joint.max(-1, keepdim=True).values) * mask

    @torch.no_grad()
    def predict(self, inputs: dict, data_samples: List[GroundingDataSample]
                ) -> List[GroundingDataSample]:
        mask = inputs['video_mask'].bool()
        segments, scores = self.grower(self.frame_scores(inputs), mask)
        durations = torch.as_tensor([float(s.metainfo['duration']) for s in data_samples],
                                    dtype=torch.float64, device=segments.device)
        seconds = (segments * durations.view(-1, 1, 1)).cpu()
        scores = scores.double().cpu()
        for sample, seg, sc in zip(data_samples, seconds, scores):
            real = torch.isfinite(sc)
            sample.pred_moments = seg[real]
            sample.pred_scores = sc[real]
        return data_samples

    def forward(self, inputs: dict, data_samples: Optional[List[GroundingDataSample]] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], list, torch.Tensor]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.frame_scores(inputs)
        raise ValueError(f'unknown mode {mode!r}')
