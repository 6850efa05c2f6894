"""DSCNet (Liu et al., AAAI 2022): the model, built from registered parts."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from ...datasets.text import build_embedding_matrix
from ...registry import (ATTENTION_HEADS, CROSS_MODAL_ALIGNERS, DATA_SOURCES,
                         INFERENCE_GROWERS, LOSSES, MODELS, NECK_CLUSTERERS, PSEUDO_LABELLERS,
                         TEXT_ENCODERS)
from ...utils import build_pinned
from ...datasets.text import STOP_WORDS
from ..text_encoders.sif_vectors import WEIGHTINGS, sentence_vectors
from .dscnet_labels import CentreLabelsMixin
from .frame_scoring import SCORE_MODES, query_scores
from .temperature_fit import TARGETS as TEMPERATURE_TARGETS
from .temperature_fit import fit_temperature
from .video_module import VideoModuleMixin


@MODELS.register_module()
class DSCNet(CentreLabelsMixin, VideoModuleMixin, BaseModel):
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
            least this fraction of the centres label it 1 (with an
            activity-split labeller, where each activity frame belongs to
            one centre: when any centre does).
        inference_temperature: Temperature of the inference scores.
        center_necks: Centre (subtract the query set's mean neck) and
            L2-normalise the necks before K-means and at inference, so the
            centres differ by what tells queries apart (the centre-labels
            configs' choice; ``False``: raw necks, the default configs).
        aligner: Config of the cross-modal aligner that gives each centre a
            visual prototype for the initial labels of an activity-split
            labeller (``None`` with such a labeller is an error).
        score_mode: ``'probability'`` (calibrated, the centre-labels configs'
            choice, see :func:`.frame_scoring.probability_scores`) or
            ``'softmax_product'`` (the paper's wording, the default configs).
        seed: Seed of the loss-side sampling (centre subsets of L_sab).
        text_groups: ``'necks'`` (the paper: K-means of each neck's necks)
            or ``'words'`` (one K-means of the queries' word vectors,
            ``clusterer.assign``, for every neck; centre ``c_j^i`` is the
            mean ``i``-th neck of group ``j``; ``docs/method.md`` reading 23).
        word_weighting: Word vectors of a query for the alignment and the
            ``'words'`` groups: ``'sif'`` or ``'content'`` (mean of the
            non-stop words, see :mod:`..text_encoders.sif_vectors`).
        relabel_split: With an activity-split labeller, what splits the
            activity among the centres when relabelling: ``'logits'`` (the
            learned frame-centre logits, Algorithm 1 line 7) or
            ``'prototypes'`` (the aligner's visual prototypes, as the
            initial labels; ``docs/method.md`` reading 23).
        temperature_grid: Candidate inference temperatures, or None. When
            given, the temperature is fitted after the last training stage
            (:func:`.temperature_fit.fit_temperature`, ``docs/method.md``
            reading 24) and replaces ``inference_temperature``.
        temperature_target: The moment the fit reproduces: ``'centre_run'``
            (the longest run of the centre's own labels) or
            ``'activity_run'`` (the activity run holding most of them).
        inference_centres: ``'query'`` (the paper: the query's own necks)
            or ``'assigned'`` (the centres of the group nearest to the
            query's word vector, with ``text_groups='words'``).
        link_threshold: None (the query is always read), or the agreement
            of the aligner's two solves (``TransportAligner(check_restarts=...)``)
            below which the text-video link counts as not identified and
            the model scores frames by its foreground head alone
            (``query_weight`` 0; ``docs/method.md`` reading 29).
    """

    TEXT_GROUPS = ('necks', 'words')
    RELABEL_SPLITS = ('logits', 'prototypes')
    INFERENCE_CENTRES = ('query', 'assigned')

    def __init__(self, vocabulary: dict, word_vectors: dict, text_encoder: dict,
                 video_encoder: dict, specific_head: dict, foreground_head: dict,
                 clusterer: dict, pseudo_labeller: dict, grower: dict,
                 language_losses: Dict[str, dict], video_losses: Dict[str, dict],
                 num_frames: int = 128, foreground_vote: float = 0.5,
                 inference_temperature: float = 1.0, center_necks: bool = False,
                 aligner: Optional[dict] = None, score_mode: str = 'softmax_product',
                 seed: int = 0, text_groups: str = 'necks', word_weighting: str = 'sif',
                 inference_centres: str = 'query', relabel_split: str = 'logits',
                 temperature_grid: Optional[Sequence[float]] = None,
                 temperature_target: str = 'centre_run',
                 link_threshold: Optional[float] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if score_mode not in SCORE_MODES:
            raise ValueError(f'score_mode must be one of {SCORE_MODES}, got {score_mode!r}')
        for name, value, allowed in (('text_groups', text_groups, self.TEXT_GROUPS),
                                     ('word_weighting', word_weighting, WEIGHTINGS),
                                     ('inference_centres', inference_centres,
                                      self.INFERENCE_CENTRES),
                                     ('relabel_split', relabel_split, self.RELABEL_SPLITS),
                                     ('temperature_target', temperature_target,
                                      TEMPERATURE_TARGETS)):
            if value not in allowed:
                raise ValueError(f'{name} must be one of {allowed}, got {value!r}')
        if temperature_grid is not None and not all(float(t) > 0 for t in temperature_grid):
            raise ValueError(f'temperature_grid must hold positive temperatures, got '
                             f'{tuple(temperature_grid)}')
        if temperature_grid is not None and score_mode != 'probability':
            raise ValueError("temperature_grid needs score_mode='probability'")
        if link_threshold is not None and score_mode != 'probability':
            raise ValueError("link_threshold needs score_mode='probability'")
        if inference_centres == 'assigned' and text_groups != 'words':
            raise ValueError("inference_centres='assigned' needs text_groups='words'")
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
        self.aligner = None if aligner is None else build_pinned(CROSS_MODAL_ALIGNERS, aligner)
        self.splits_activity = getattr(self.pseudo_labeller, 'splits_activity', False)
        if self.splits_activity and self.aligner is None:
            raise ValueError(f'{type(self.pseudo_labeller).__name__} needs an `aligner` for '
                             'its initial labels (e.g. dict(type="ClusterMatchingAligner"))')
        if link_threshold is not None and getattr(self.aligner, 'check_restarts', None) is None:
            raise ValueError('link_threshold needs an aligner that checks its link, e.g. '
                             'dict(type="TransportAligner", check_restarts=16)')
        self.link_threshold = link_threshold
        self.language_losses = torch.nn.ModuleDict(
            {k: build_pinned(LOSSES, v) for k, v in language_losses.items()})
        self.video_losses = torch.nn.ModuleDict(
            {k: build_pinned(LOSSES, v) for k, v in video_losses.items()})
        self.num_necks = num_necks
        self.num_clusters = self.clusterer.num_clusters
        self.num_frames = num_frames
        self.foreground_vote = foreground_vote
        self.inference_temperature = inference_temperature
        self.center_necks = center_necks
        self.score_mode = score_mode
        self.seed = seed
        self.text_groups = text_groups
        self.word_weighting = word_weighting
        self.inference_centres = inference_centres
        self.relabel_split = relabel_split
        self.temperature_grid = None if temperature_grid is None else tuple(temperature_grid)
        self.temperature_target = temperature_target
        self.query_groups: Optional[tuple] = None  # (words, N_e x M groups) of set_centers
        self.score_ratios: List[torch.Tensor] = []  # adjacent-frame ratios seen by predict
        self.active_neck = 0
        self.register_buffer('centers', torch.zeros(
            num_necks, self.num_clusters, neck_dim))
        self.register_buffer('pseudo_labels', torch.zeros(
            0, self.num_necks, self.num_clusters, num_frames, dtype=torch.bool))
        self.register_buffer('neck_mean', torch.zeros(num_necks, neck_dim))
        self.register_buffer('center_share', torch.full(
            (num_necks, self.num_clusters), 1.0 / self.num_clusters))
        self.register_buffer('center_words', torch.zeros(
            num_necks, self.num_clusters, embedding.shape[1]))
        self.register_buffer('fitted_temperature', torch.tensor(0.0))  # 0: not fitted
        self.register_buffer('word_mean', torch.zeros(embedding.shape[1]))
        self.register_buffer('stop_words', torch.tensor(
            [w in STOP_WORDS for w in self.vocab.words], dtype=torch.bool), persistent=False)
        self.register_buffer('visual_prototypes', torch.zeros(
            num_necks, self.num_clusters, video_encoder['in_dim']))
        self.register_buffer('centers_ready', torch.tensor(False))
        self.register_buffer('labels_ready', torch.tensor(False))
        if link_threshold is not None:  # 1: the query is read; 0: its link failed the check
            self.register_buffer('link_weight', torch.tensor(1.0))

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

    def prepare_necks(self, necks: torch.Tensor, fit: bool = False) -> torch.Tensor:
        """``B x N_e x d_e`` necks as the centres see them: minus the query
        set's mean neck and L2-normalised (``center_necks``); ``fit`` sets
        the mean from these necks (all training queries)."""
        if not self.center_necks:
            return necks
        if fit:
            self.neck_mean.copy_(necks.mean(0))
        return F.normalize(necks - self.neck_mean.to(necks), dim=-1, eps=1e-8)

    @torch.no_grad()
    def query_word_vectors(self, tokens: torch.Tensor,
                           mask: torch.Tensor) -> Optional[torch.Tensor]:
        """``M x d_w`` word-vector means of ``M`` queries by
        ``word_weighting`` (the text side of the cross-modal alignment; None
        when the text encoder has no ``embed`` table)."""
        embed = getattr(self.text_encoder, 'embed', None)
        if embed is None:
            return None
        return sentence_vectors(self.word_weighting, tokens, mask.bool(), embed.weight,
                                self.stop_words)

    def fit_centers(self, necks: torch.Tensor, words: Optional[torch.Tensor]) -> None:
        """Cluster the training queries (``M x N_e x d_e`` prepared necks,
        ``M x d_w`` word vectors) into the centres, by ``text_groups``."""
        if self.text_groups == 'necks':
            self.set_centers(self.clusterer(necks), necks, words)
            return
        if words is None:
            raise ValueError("text_groups='words' needs a text encoder with an `embed` table")
        self.word_mean.copy_(words.mean(0))
        groups = self.clusterer.assign(words - self.word_mean).to(necks.device)    # (M,)
        member = F.one_hot(groups, self.num_clusters).to(necks)                    # M x N_c
        sums = torch.einsum('mk,mnd->nkd', member, necks)                          # N_e x N_c x d_e
        centers = sums / member.sum(0).clamp(min=1)[None, :, None]
        self.set_centers(centers, necks, words, groups.expand(self.num_necks, -1))

    def set_centers(self, centers: torch.Tensor, necks: Optional[torch.Tensor] = None,
                    words: Optional[torch.Tensor] = None,
                    groups: Optional[torch.Tensor] = None) -> None:
        """Store the ``N_e x N_c x d_e`` centres of the query set and, from
        the (prepared) necks ``M x N_e x d_e`` of its queries, each centre's
        share of them (uniform without necks) and the mean of its queries'
        ``M x d_w`` word vectors ``words``. ``groups`` (``N_e x M``) gives
        each query's centre; default: its nearest centre by its necks."""
        norms = centers.norm(dim=-1)
        if self.center_necks and not torch.allclose(norms, torch.ones_like(norms)):
            centers = F.normalize(centers, dim=-1, eps=1e-8)  # unit necks: unit centres
        self.centers.copy_(centers.to(self.centers))
        if necks is not None:
            near = groups if groups is not None else torch.cdist(
                necks.transpose(0, 1).to(self.centers), self.centers).argmin(-1)
            if words is not None:
                self.query_groups = (words, near)
            counts = torch.stack([torch.bincount(n, minlength=self.num_clusters) for n in near])
            self.center_share.copy_(counts / counts.sum(-1, keepdim=True))
            if words is not None:
                member = F.one_hot(near, self.num_clusters).to(words)        # N_e x M x N_c
                sums = member.transpose(1, 2) @ words.to(member)             # N_e x N_c x d_w
                self.center_words.copy_(sums / counts.unsqueeze(-1).clamp(min=1))
        self.centers_ready.fill_(True)

    # -------------------------------------------------------- inference
    def frame_scores(self, inputs: dict) -> torch.Tensor:
        """``B x T`` frame scores of each video for its query (paper,
        Inference: the query's necks serve as centres), peak 1."""
        feats, mask = inputs['video_feature'], inputs['video_mask'].bool()
        tokens, qmask = inputs['query_tokens'], inputs['query_mask'].bool()
        if self.inference_centres == 'assigned':
            necks = self.assigned_centres(tokens, qmask)
        else:
            necks = self.prepare_necks(self.text_encoder.encode(tokens, qmask)['necks'])
        frames = self.video_encoder(feats, mask)
        fore = self.foreground_head(frames, mask)
        spe = [self.specific_head(frames, necks[:, i:i + 1], i, mask)
               for i in range(self.num_necks)]
        return query_scores(self.score_mode, spe, fore, mask, self.temperature,
                            self.query_weight)

    @property
    def query_weight(self) -> float:
        """Weight of the query's term in the frame scores: 1, or the
        ``link_weight`` that the link check set (``link_threshold``)."""
        return float(self.link_weight) if self.link_threshold is not None else 1.0

    @property
    def temperature(self) -> float:
        """The inference temperature: fitted, else ``inference_temperature``."""
        fitted = float(self.fitted_temperature)
        return fitted if fitted > 0 else self.inference_temperature

    @torch.no_grad()
    def fit_inference_temperature(self, batches) -> Dict[float, float]:
        """Fit the temperature on the training videos' pseudo labels
        (``temperature_grid``); returns ``{temperature: mean IoU}``."""
        best, table = fit_temperature(self, batches, self.temperature_grid,
                                      self.temperature_target)
        self.fitted_temperature.fill_(best)
        return table

    def assigned_centres(self, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``B x N_e x d_e``: for each of ``B x L`` queries the centres of the
        group whose mean word vector is nearest (cosine, both minus the
        training queries' mean) to the query's own."""
        words = F.normalize(self.query_word_vectors(tokens, mask) - self.word_mean, dim=-1)
        means = F.normalize(self.center_words[0] - self.word_mean, dim=-1)        # N_c x d_w
        group = (words @ means.T).argmax(-1)                                       # (B,)
        return self.centers[:, group].transpose(0, 1)
