"""The inference temperature that makes the growing test reproduce the
pseudo-label moments of the training videos (no ground truth)."""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..growers.region_growing import to_normalized
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
                        temperature: float, query_weight: float = 1.0) -> torch.Tensor:
    """``B x N_c x T`` scores of :func:`centre_logits` at ``temperature``, in
    ``score_mode='probability'`` (the centre's term weighted by
    ``query_weight``, as a query's), peak 1 per (video, centre)."""
    log_h = query_weight * F.logsigmoid(spe / temperature).mean(0) + F.logsigmoid(
        fore / temperature).unsqueeze(1)
    return peak_one(log_h, mask.unsqueeze(1).expand_as(log_h))


def run_bounds(run: torch.Tensor, best: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(start, end)`` inclusive frames of run ``best`` (``N x 1``) of each
    row of ``run`` (``N x T`` ids of :func:`run_ids`); ``(0, -1)`` where
    the row has no such run."""
    frame = torch.arange(run.size(1), device=run.device).expand_as(run)
    on = (run == best) & (run > 0)
    start = torch.where(on, frame, run.size(1)).min(-1).values
    end = torch.where(on, frame, -1).max(-1).values
    return torch.where(end >= 0, start, 0), end


def runs_count(run: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``N x (R + 1)`` sum of ``weight`` (``N x T``) over each run id of
    ``run``; column 0 (outside every run) is 0."""
    width = int(run.max()) + 1 if run.numel() else 1
    total = torch.zeros(run.size(0), width, dtype=torch.long, device=run.device)
    total.scatter_add_(1, run, weight.long())
    total[:, 0] = 0
    return total


def longest_runs(labels: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(start, end)`` inclusive frames of each row's longest run of True
    (``N x T`` bool; rows without one give ``(0, -1)``)."""
    run = run_ids(labels)
    return run_bounds(run, runs_count(run, labels).argmax(-1, keepdim=True))


def activity_runs(labels: torch.Tensor, keep: torch.Tensor
                  ) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(start, end)`` of the activity run that holds most of each kept
    centre's labelled frames: the activity of a video is the union of its
    centres' labels (``B x N_c x T``), one row per True of ``keep``
    (``B x N_c``), in ``labels[keep]`` order."""
    run = run_ids(labels.any(1))[keep.nonzero()[:, 0]]                    # N x T
    return run_bounds(run, runs_count(run, labels[keep]).argmax(-1, keepdim=True))


def top_segments(grower, curves: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """``N x 2`` normalised top-1 segment of each curve by ``grower`` (its
    ``best`` when it has one: the first of its ranking without the rest)."""
    best = getattr(grower, 'best', None)
    return best(curves, valid) if best is not None else grower(curves, valid)[0][:, 0]


def span_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of ``N x 2`` continuous ``(start, end)`` spans, row by row."""
    inter = (torch.minimum(a[:, 1], b[:, 1]) - torch.maximum(a[:, 0], b[:, 0])).clamp(min=0)
    union = (a[:, 1] - a[:, 0]) + (b[:, 1] - b[:, 0]) - inter
    return inter / union.clamp(min=1e-12)


TARGETS = ('centre_run', 'activity_run')


@torch.no_grad()
def fit_temperature(model, batches: Sequence[Tuple[torch.Tensor, ...]],
                    grid: Sequence[float], target: str = 'centre_run'
                    ) -> Tuple[float, Dict[float, float]]:
    """For each temperature of ``grid``: every training (video, centre)
    labelled somewhere (by at least half the necks) scores its frames as a
    query of that centre would be scored (:func:`centre_score_curves`; the
    network runs once per batch, only the temperature changes), the
    model's own grower ranks its segments (:func:`top_segments`), and the
    top-1's IoU with the target moment is averaged. The temperature of the
    best mean IoU is returned with the table (``docs/method.md`` reading 24).

    Args:
        model: A DSCNet with an activity-split labeller's bank.
        batches: ``(features B x T x D, mask B x T, video_index (B,))``.
        grid: Candidate temperatures.
        target: ``'centre_run'``: the longest run of the centre's own
            labels; ``'activity_run'``: the run of the video's activity
            (all centres' labels) that holds most of the centre's labels.
    """
    if target not in TARGETS:
        raise ValueError(f'temperature target must be one of {TARGETS}, got {target!r}')
    totals = {float(t): 0.0 for t in grid}
    rows = 0
    for feats, mask, index in batches:
        labels = model.pseudo_labels[index.to(model.pseudo_labels.device)].to(feats.device)
        labels = (labels.float().mean(1) >= 0.5) & mask.unsqueeze(1)      # B x N_c x T
        keep = labels.any(-1)                                              # B x N_c
        if not keep.any():
            continue
        valid = mask.unsqueeze(1).expand_as(labels)[keep]                  # N x T
        ts, te = (longest_runs(labels[keep]) if target == 'centre_run'
                  else activity_runs(labels, keep))
        goal = to_normalized(ts, te, valid)
        rows += int(keep.sum())
        spe, fore = centre_logits(model, feats, mask)                     # once per batch
        for tau in totals:
            curves = centre_score_curves(spe, fore, mask, tau, model.query_weight)[keep]
            top = top_segments(model.grower, curves, valid).to(goal)
            totals[tau] += float(span_iou(top, goal).sum())
    table = {tau: total / max(rows, 1) for tau, total in totals.items()}
    return max(table, key=table.get), table
