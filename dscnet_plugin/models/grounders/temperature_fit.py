"""The inference temperature that makes the growing test reproduce the
pseudo-label moments of the training videos (no ground truth)."""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..growers.region_growing import grow_segments
from ..labellers.activity_split_labeller import run_ids
from .frame_scoring import peak_one


@torch.no_grad()
def centre_logits(model, feats: torch.Tensor, mask: torch.Tensor
                  ) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(N_e x B x N_c x T specific logits, B x T foreground logits)`` of
    every centre as a query (centre ``j`` of every neck in place of the
    query's necks, as ``inference_centres='assigned'`` scores a query of
    group ``j``)."""
    frames = model.video_encoder(feats, mask)
    fore = model.foreground_head(frames, mask)['logits']
    spe = torch.stack([model.specific_head(frames, model.centers[i].unsqueeze(0), i,
                                           mask)['logits'] for i in range(model.num_necks)])
    return spe, fore


def centre_score_curves(spe: torch.Tensor, fore: torch.Tensor, mask: torch.Tensor,
                        temperature: float) -> torch.Tensor:
    """``B x N_c x T`` scores of :func:`centre_logits` at ``temperature``, in
    ``score_mode='probability'``, peak 1 per (video, centre)."""
    log_h = F.logsigmoid(spe / temperature).mean(0) + F.logsigmoid(
        fore / temperature).unsqueeze(1)
    return peak_one(log_h, mask.unsqueeze(1).expand_as(log_h))


def longest_runs(labels: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(start, end)`` inclusive frames of each row's longest run of True
    (``N x T`` bool; rows without one give ``(0, -1)``)."""
    run = run_ids(labels)
    width = int(run.max()) + 1 if run.numel() else 1
    length = torch.zeros(labels.size(0), width, dtype=torch.long, device=labels.device)
    length.scatter_add_(1, run, torch.ones_like(run))
    length[:, 0] = 0
    best = length.argmax(-1, keepdim=True)                                 # N x 1
    frame = torch.arange(labels.size(1), device=labels.device).expand_as(run)
    on = (run == best) & labels
    start = torch.where(on, frame, labels.size(1)).min(-1).values
    end = torch.where(on, frame, -1).max(-1).values
    return torch.where(end >= 0, start, 0), end


def interval_iou(s1, e1, s2, e2) -> torch.Tensor:
    """IoU of inclusive frame intervals, elementwise."""
    inter = (torch.minimum(e1, e2) - torch.maximum(s1, s2) + 1).clamp(min=0)
    union = (e1 - s1 + 1) + (e2 - s2 + 1) - inter
    return inter / union.clamp(min=1)


@torch.no_grad()
def fit_temperature(model, batches: Sequence[Tuple[torch.Tensor, ...]],
                    grid: Sequence[float]) -> Tuple[float, Dict[float, float]]:
    """For each temperature of ``grid``: every training (video, centre)
    labelled somewhere (by at least half the necks) scores its frames as a
    query of that centre would be scored (:func:`centre_score_curves`; the
    network runs once per batch, only the temperature changes), the
    model's grower grows the top-1 segment from the peak, and its IoU with
    the longest run of the labels is averaged. The temperature of the best
    mean IoU is returned with the table.

    Args:
        model: A DSCNet with an activity-split labeller's bank.
        batches: ``(features B x T x D, mask B x T, video_index (B,))``.
        grid: Candidate temperatures.
    """
    totals = {float(t): 0.0 for t in grid}
    rows = 0
    for feats, mask, index in batches:
        labels = model.pseudo_labels[index.to(model.pseudo_labels.device)].to(feats.device)
        labels = (labels.float().mean(1) >= 0.5) & mask.unsqueeze(1)      # B x N_c x T
        keep = labels.any(-1)                                              # B x N_c
        if not keep.any():
            continue
        target = labels[keep]                                              # N x T
        ts, te = longest_runs(target)
        valid = mask.unsqueeze(1).expand_as(labels)[keep]
        rows += int(keep.sum())
        spe, fore = centre_logits(model, feats, mask)                     # once per batch
        for tau in totals:
            curves = centre_score_curves(spe, fore, mask, tau)[keep]       # N x T
            seed = curves.masked_fill(~valid, -1.0).argmax(-1)
            ps, pe = grow_segments(curves, seed, valid, model.grower.threshold,
                                   getattr(model.grower, 'compare', 'ge'))
            totals[tau] += float(interval_iou(ps, pe, ts, te).sum())
    table = {tau: total / max(rows, 1) for tau, total in totals.items()}
    return max(table, key=table.get), table
