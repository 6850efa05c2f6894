"""DSCNet's pseudo labels: initial (Algorithm 1, line 1) and relabelling
(line 7), with the cross-modal alignment that makes them depend on the
centre."""
import logging
from typing import List, Tuple

import torch
from mmengine.logging import print_log

from ..labellers import center_similarity


class CentreLabelsMixin:
    """The labelling half of :class:`~dscnet_plugin.models.DSCNet`
    (``pseudo_labeller``, ``aligner``, ``video_encoder``, ``specific_head``,
    ``centers``, ``visual_prototypes``, ``link_threshold``, ``link_weight`` and
    ``seed`` are the model's).
    """

    @torch.no_grad()
    def alignment_descriptors(self, feats: torch.Tensor, mask: torch.Tensor
                              ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Activity descriptors of a batch of ``B x T x D`` videos, for
        :meth:`fit_alignment` (an activity-split labeller's): ``(M x D rows,
        (M,) position of each row's video in the batch)``."""
        gen = torch.Generator().manual_seed(self.seed)
        if getattr(self.aligner, 'descriptors', 'frames') == 'moments':
            return self.pseudo_labeller.moment_descriptors(feats, mask, generator=gen)
        return self.pseudo_labeller.descriptors(feats, mask, generator=gen)

    @torch.no_grad()
    def fit_alignment(self, descriptors: torch.Tensor) -> None:
        """Give every centre its visual prototype (``N_e x N_c x D``) from
        the ``M x D`` activity descriptors of all training videos (frames,
        or moments for an aligner whose ``descriptors`` is ``'moments'``,
        which also reads the training queries' word vectors and centres
        that ``set_centers`` kept)."""
        if getattr(self.aligner, 'descriptors', 'frames') == 'moments':
            if self.query_groups is None:
                raise RuntimeError(
                    f'{type(self.aligner).__name__} needs the word vectors and centres of '
                    'the training queries, kept by set_centers when SemanticClusteringHook '
                    'clusters them in this process (not restored from a checkpoint)')
            words, groups = self.query_groups
            protos = self.aligner(descriptors.to(self.centers), words.to(self.centers),
                                  groups.to(self.centers.device), self.num_clusters)
            self.visual_prototypes.copy_(protos.to(self.visual_prototypes))
            if self.link_threshold is not None:
                self.gate_query(self.aligner.agreement)
            return
        words = self.center_words if bool(self.center_words.any()) else None
        protos = self.aligner(descriptors.to(self.centers), self.centers, self.center_share,
                              words)
        self.visual_prototypes.copy_(protos.to(self.visual_prototypes))

    @torch.no_grad()
    def compute_labels(self, feats: torch.Tensor, mask: torch.Tensor,
                       necks: List[int], initial: bool = False) -> torch.Tensor:
        """Pseudo labels of a batch of videos.

        With an activity-split labeller (default, ``docs/method.md`` reading
        5) the activity cut of ``F`` is split among the centres: for the
        initial labels (Algorithm 1, line 1, "based on C and F") by the
        cosine of the centred frames with each centre's visual prototype
        (:meth:`fit_alignment`), when relabelling (line 7) by the learned
        frame-centre logits ``c_hat f_hat^T`` (``relabel_split='logits'``)
        or again by the prototypes (``'prototypes'``: the aligner's split
        stays). With a plain labeller (the
        earlier reading) the initial labels are one centre-free cut copied
        to every centre, and relabelling cuts ``[f_hat; c_hat]``.

        Args:
            feats: ``B x T x D`` video features.
            mask: ``B x T`` real frames.
            necks: Neck indices to label.
            initial: Whether these are the initial labels.

        Returns:
            ``B x len(necks) x N_c x T`` bool labels.
        """
        gen = torch.Generator().manual_seed(self.seed)
        if self.splits_activity:
            act = self.pseudo_labeller.activity(feats, mask, generator=gen) & mask
            if initial or self.relabel_split == 'prototypes':
                x = self.pseudo_labeller.centred(feats, act, mask)
                scores = [center_similarity(x, self.visual_prototypes[i].unsqueeze(0))
                          for i in necks]
            else:
                frames = self.video_encoder(feats, mask)
                scores = [self.specific_head(frames, self.centers[i].unsqueeze(0), i,
                                             mask)['logits'] for i in necks]
            return torch.stack([self.pseudo_labeller.split(act, sc) for sc in scores], dim=1)
        if initial:
            labels = self.pseudo_labeller(feats, None, mask, generator=gen)
            return labels.unsqueeze(1).expand(-1, len(necks), self.num_clusters, -1)
        f_hat = self.specific_head.embed_frames(self.video_encoder(feats, mask))
        return torch.stack([
            self.pseudo_labeller(f_hat, self.specific_head.embed_centers(
                self.centers[i].unsqueeze(0), i), mask, generator=gen)
            for i in necks], dim=1)

    @torch.no_grad()
    def gate_query(self, agreement: float) -> None:
        """Read the query (``link_weight`` 1) when the aligner's two solves
        agree at ``link_threshold`` or more, else score frames by the
        foreground alone (``link_weight`` 0; ``docs/method.md`` reading 29)."""
        read = agreement >= self.link_threshold
        self.link_weight.fill_(1.0 if read else 0.0)
        verdict = ('the text-video link is reproduced: the query is read' if read else
                   'the text-video link is not identified: frames are scored by the '
                   'foreground head alone, whatever the query')
        print_log(f'[align] link check: agreement {agreement:.3f} '
                  f'{">=" if read else "<"} {self.link_threshold:g}, {verdict}',
                  logger='current', level=logging.INFO if read else logging.WARNING)
