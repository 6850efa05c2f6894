"""Centre-dependent labels: the activity of a video split among centres."""
from typing import Optional, Tuple

import torch

from ...registry import PSEUDO_LABELLERS
from ...utils import SetupError, build_pinned
from .ncut_labeller import center_similarity


@PSEUDO_LABELLERS.register_module()
class ActivitySplitLabeller:
    """Labels ``y_j`` that depend on the centre ``j`` (the paper's "whether
    a specific frame t matches the semantic cluster center c_j").

    1. *Activity*: a centre-free cut of the input features ``F`` (the
       ``activity`` labeller, an N-cut by default, smaller side = 1): where
       something happens in the video.
    2. *Split*: every activity frame goes to one centre, so each activity
       frame is labelled 1 for exactly one centre and no centre is ever
       labelled on the rest of the video (none can take the complement of
       the activity). ``split_mode='frame'``: each frame to the centre that
       scores it highest. ``'segment'``: each contiguous run of activity
       frames, whole, to the centre with the highest mean score over the
       run, so that a centre's labels are moments rather than scattered
       frames. The scores come from the caller: the
       cosine between the centred frames and the centres' visual prototypes
       for the initial labels, the model's own frame-centre logits
       ``c_hat f_hat^T`` when relabelling (see ``DSCNet.compute_labels``).

    Args:
        activity: Config of the centre-free labeller of step 1.
        descriptors_per_video: Activity frames per video (evenly spaced)
            taken as descriptors for the cross-modal aligner.
        split_mode: ``'frame'`` (each activity frame to its best centre)
            or ``'segment'`` (each contiguous activity run to the centre
            with the best mean score over it); ``docs/method.md`` reading 5.
        min_moment_frames: Shortest activity run that
            :meth:`moment_descriptors` describes.
    """

    SPLIT_MODES = ('frame', 'segment')

    splits_activity = True

    def __init__(self, activity: Optional[dict] = None,
                 descriptors_per_video: int = 8, split_mode: str = 'frame',
                 min_moment_frames: int = 2) -> None:
        if split_mode not in self.SPLIT_MODES:
            raise SetupError(f'ActivitySplitLabeller: split_mode must be one of '
                             f'{self.SPLIT_MODES}, got {split_mode!r}')
        self.split_mode = split_mode
        self.activity_labeller = build_pinned(
            PSEUDO_LABELLERS, activity or dict(type='NCutLabeller'))
        self.descriptors_per_video = descriptors_per_video
        self.min_moment_frames = min_moment_frames

    @torch.no_grad()
    def activity(self, feats: torch.Tensor, mask: torch.Tensor,
                 generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """``B x T`` bool activity of ``B x T x D`` features."""
        return self.activity_labeller(feats, None, mask, generator=generator)[:, 0]

    @staticmethod
    def centred(feats: torch.Tensor, activity: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``B x T x D`` frames minus the mean of their video's real frames
        outside the activity (all real frames when there are none)."""
        rest = (mask & ~activity)
        rest = torch.where(rest.any(-1, keepdim=True), rest, mask).unsqueeze(-1)
        mean = (torch.where(rest, feats, 0.0).sum(1, keepdim=True)
                / rest.sum(1, keepdim=True).clamp(min=1))
        return feats - mean

    @torch.no_grad()
    def descriptors(self, feats: torch.Tensor, mask: torch.Tensor,
                    generator: Optional[torch.Generator] = None
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Centred activity frames of each video, at most
        ``descriptors_per_video`` evenly spaced over its activity (no random
        draw: a video's descriptors do not depend on the batch it is in).

        Returns:
            ``(M x D rows, (M,) index of each row's video in the batch)``,
            in video then time order.
        """
        act = self.activity(feats, mask, generator) & mask
        x = self.centred(feats, act, mask)
        n = act.sum(-1, keepdim=True)                                     # B x 1
        rank = act.cumsum(-1) - 1                                         # B x T
        k = self.descriptors_per_video
        steps = torch.arange(k, device=x.device).unsqueeze(0)             # 1 x k
        target = steps * n // k                                           # B x k
        keep = act & (rank.unsqueeze(-1) == target.unsqueeze(1)).any(-1)  # B x T
        video = torch.arange(x.size(0), device=x.device).unsqueeze(1).expand_as(keep)
        return x[keep], video[keep]

    @torch.no_grad()
    def moment_descriptors(self, feats: torch.Tensor, mask: torch.Tensor,
                           generator: Optional[torch.Generator] = None
                           ) -> Tuple[torch.Tensor, torch.Tensor]:
        """One row per *moment* (contiguous activity run of at least
        ``min_moment_frames`` frames): the mean of its centred frames.

        Returns:
            ``(K x D rows, (K,) index of each row's video in the batch)``,
            in video then time order.
        """
        act = self.activity(feats, mask, generator) & mask
        x = self.centred(feats, act, mask)
        run = run_ids(act)                                                # B x T
        width = int(run.max()) + 1 if run.numel() else 1
        sums = x.new_zeros(x.size(0), width, x.size(2)).scatter_add_(
            1, run.unsqueeze(-1).expand_as(x), x)                         # B x runs+1 x D
        counts = x.new_zeros(x.size(0), width).scatter_add_(
            1, run, torch.ones_like(run, dtype=x.dtype))
        keep = counts >= self.min_moment_frames
        keep[:, 0] = False                                                # id 0: no run
        video = torch.arange(x.size(0), device=x.device).unsqueeze(1).expand_as(keep)
        return sums[keep] / counts[keep].unsqueeze(-1), video[keep]

    def split(self, activity: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        """``B x N_c x T`` labels: the activity given to the centres
        (frame by frame, or run by run with ``split_mode='segment'``).

        Args:
            activity: ``B x T`` bool activity (False on padded frames).
            scores: ``B x N_c x T`` frame-centre scores.
        """
        if self.split_mode == 'segment':
            scores = segment_means(activity, scores)
        best = scores.argmax(1, keepdim=True)                            # B x 1 x T
        centre = torch.arange(scores.size(1), device=scores.device).view(1, -1, 1)
        return (best == centre) & activity.unsqueeze(1)

    @torch.no_grad()
    def __call__(self, frames: torch.Tensor, centers: Optional[torch.Tensor],
                 mask: torch.Tensor, generator: Optional[torch.Generator] = None,
                 activity: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The labeller interface of :class:`NCutLabeller`: ``frames`` and
        ``centers`` in one space, split by cosine; ``activity`` defaults to
        the cut of ``frames`` themselves. Without centres: the activity as
        one row (``B x 1 x T``)."""
        act = self.activity(frames, mask, generator) if activity is None else activity
        if centers is None:
            return (act & mask).unsqueeze(1)
        return self.split(act & mask, center_similarity(frames, centers))


def segment_means(activity: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
    """``B x N_c x T``: at every activity frame, the mean of ``scores`` over
    the contiguous run of activity frames it belongs to (other frames keep
    their own scores).

    Args:
        activity: ``B x T`` bool.
        scores: ``B x N_c x T``.
    """
    run = run_ids(activity)                                               # B x T
    index = run.unsqueeze(1).expand_as(scores)                           # B x N_c x T
    width = int(run.max()) + 1 if run.numel() else 1
    sums = scores.new_zeros(scores.shape[:2] + (width,)).scatter_add_(2, index, scores)
    counts = scores.new_zeros(run.size(0), width).scatter_add_(
        1, run, torch.ones_like(run, dtype=scores.dtype))                # B x (runs + 1)
    means = sums / counts.clamp(min=1).unsqueeze(1)
    return torch.where(activity.unsqueeze(1), means.gather(2, index), scores)


def run_ids(active: torch.Tensor) -> torch.Tensor:
    """``B x T`` long: 1, 2, ... for the frames of each row's first, second,
    ... contiguous run of True, 0 elsewhere."""
    starts = active & ~torch.nn.functional.pad(active[:, :-1], (1, 0), value=False)
    return torch.where(active, starts.long().cumsum(-1), 0)
