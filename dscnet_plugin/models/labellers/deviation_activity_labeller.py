"""Centre-free activity cut: the frames far from their video's usual look."""
from typing import Optional

import torch

from ...registry import PSEUDO_LABELLERS
from .activity_split_labeller import run_ids


def otsu_thresholds(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per row, the threshold that maximises the between-class variance of
    the two classes ``< thr`` and ``>= thr`` (Otsu, 1979), over the real
    entries only; vectorised over the rows.

    Args:
        values: ``B x T`` values.
        mask: ``B x T`` bool real entries.

    Returns:
        ``(B,)`` thresholds (the smallest value of the upper class; ``+inf``
        for a row with fewer than two real entries).
    """
    b, t = values.shape
    srt = torch.where(mask, values, float('inf')).sort(-1).values          # B x T
    n = mask.sum(-1, keepdim=True).to(values.dtype)                        # B x 1
    finite = torch.where(torch.isfinite(srt), srt, 0.0)
    csum = finite.cumsum(-1)                                               # B x T
    total = csum[:, -1:]
    i = torch.arange(1, t, device=values.device, dtype=values.dtype)      # split after i
    lower = csum[:, :-1]
    m0 = lower / i
    m1 = (total - lower) / (n - i).clamp(min=1)
    score = (i / n) * (1 - i / n) * (m0 - m1) ** 2
    score = torch.where(i < n, score, -1.0)
    best = score.argmax(-1, keepdim=True) + 1                              # B x 1
    thr = srt.gather(1, best.clamp(max=t - 1)).squeeze(1)
    return torch.where(n.squeeze(1) >= 2, thr, torch.full_like(thr, float('inf')))


@PSEUDO_LABELLERS.register_module()
class DeviationActivityLabeller:
    """Activity of each video without a centre: the frames whose feature is
    far from the video's median frame (the median is its background when
    the activity fills less than half the video), split from the rest by
    Otsu's threshold on that distance, per video.

    A centre-free labeller like :class:`NCutLabeller` with ``centers=None``
    (``B x 1 x T``), for ``ActivitySplitLabeller(activity=...)``. Where the
    N-cut bipartitions the frames by similarity (and may put one of two
    actions on the background's side), this labels every frame that departs
    from the video's usual look, whichever action it shows.

    Args:
        min_frames: Activity runs shorter than this many frames are dropped
            (1 keeps every frame above the threshold).
    """

    def __init__(self, min_frames: int = 1) -> None:
        self.min_frames = min_frames

    @torch.no_grad()
    def __call__(self, frames: torch.Tensor, centers: Optional[torch.Tensor],
                 mask: torch.Tensor, generator: Optional[torch.Generator] = None
                 ) -> torch.Tensor:
        """
        Args:
            frames: ``B x T x D`` features.
            centers: Must be None (centre-free).
            mask: ``B x T`` bool real frames.
            generator: Unused (deterministic).

        Returns:
            ``B x 1 x T`` bool activity.
        """
        if centers is not None:
            raise ValueError('DeviationActivityLabeller is centre-free: use it as the '
                             '`activity` of ActivitySplitLabeller')
        nan = torch.where(mask.unsqueeze(-1), frames, float('nan'))
        median = nan.nanmedian(1, keepdim=True).values                     # B x 1 x D
        dist = (frames - torch.nan_to_num(median)).norm(dim=-1)            # B x T
        act = (dist >= otsu_thresholds(dist, mask).unsqueeze(-1)) & mask
        if self.min_frames > 1:
            act = drop_short_runs(act, self.min_frames)
        return act.unsqueeze(1)


def drop_short_runs(active: torch.Tensor, min_frames: int) -> torch.Tensor:
    """``B x T`` bool without the runs of True shorter than ``min_frames``."""
    run = run_ids(active)
    width = int(run.max()) + 1 if run.numel() else 1
    length = torch.zeros(active.size(0), width, dtype=torch.long, device=active.device)
    length.scatter_add_(1, run, torch.ones_like(run))
    return active & (length.gather(1, run) >= min_frames)
