"""Frame-query similarity curves and multi-scale proposal scores of the
training-free grounder (TFVTG's static and dynamic scores, our reading in
``docs/vlm.md``). Everything is batched over videos and proposals; padded
frames (``mask`` False) never enter a proposal or a mean."""
import math
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

#: Per-video normalisations of the similarity curve.
CURVE_NORMS = ('none', 'minmax', 'zscore')


def similarity_curve(video: torch.Tensor, query: torch.Tensor,
                     mask: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of every frame with its video's query.

    Args:
        video: ``B x T x D`` frame features.
        query: ``B x D`` query features (same space).
        mask: ``B x T`` bool real frames.

    Returns:
        ``B x T`` float cosine similarities, 0 on padded frames.
    """
    v = F.normalize(video.float(), dim=-1)
    q = F.normalize(query.float(), dim=-1)
    return torch.einsum('btd,bd->bt', v, q) * mask


def masked_gaussian_smooth(curve: torch.Tensor, mask: torch.Tensor, sigma: float,
                           truncate: float) -> torch.Tensor:
    """Normalised-convolution Gaussian smoothing over the real frames only
    (padded frames and the video ends add no weight).

    Args:
        curve: ``B x T`` values.
        mask: ``B x T`` bool real frames.
        sigma: Standard deviation in frames; ``<= 0`` returns ``curve``.
        truncate: Kernel radius in standard deviations.

    Returns:
        ``B x T`` smoothed values, 0 on padded frames.
    """
    if sigma <= 0:
        return curve * mask
    radius = max(1, int(math.ceil(truncate * sigma)))
    x = torch.arange(-radius, radius + 1, dtype=curve.dtype, device=curve.device)
    kernel = torch.exp(-0.5 * (x / sigma) ** 2).view(1, 1, -1)
    w = mask.to(curve.dtype).unsqueeze(1)
    num = F.conv1d(curve.unsqueeze(1) * w, kernel, padding=radius)
    den = F.conv1d(w, kernel, padding=radius)
    return (num / den.clamp(min=1e-12)).squeeze(1) * mask


def normalize_curve(curve: torch.Tensor, mask: torch.Tensor, mode: str) -> torch.Tensor:
    """Per-video normalisation over the real frames.

    Args:
        curve: ``B x T`` values.
        mask: ``B x T`` bool real frames.
        mode: ``'none'``, ``'minmax'`` (to [0, 1]; a constant curve becomes
            0) or ``'zscore'`` (zero mean, unit std; a constant curve
            becomes 0).

    Returns:
        ``B x T`` normalised values, 0 on padded frames.
    """
    if mode not in CURVE_NORMS:
        raise ValueError(f'normalize must be one of {CURVE_NORMS}, got {mode!r}')
    if mode == 'none':
        return curve * mask
    if mode == 'minmax':
        lo = curve.masked_fill(~mask, float('inf')).amin(1, keepdim=True)
        hi = curve.masked_fill(~mask, float('-inf')).amax(1, keepdim=True)
        span = hi - lo
        out = (curve - lo) / torch.where(span > 0, span, torch.ones_like(span))
        return torch.where(span > 0, out, torch.zeros_like(out)) * mask
    w = mask.to(curve.dtype)
    n = w.sum(1, keepdim=True).clamp(min=1)
    mean = (curve * w).sum(1, keepdim=True) / n
    std = (((curve - mean) * w) ** 2).sum(1, keepdim=True).div(n).sqrt()
    out = (curve - mean) / torch.where(std > 0, std, torch.ones_like(std))
    return torch.where(std > 0, out, torch.zeros_like(out)) * mask


def proposal_grid(scales: Sequence[float], stride_ratio: float) -> np.ndarray:
    """Multi-scale sliding windows as fractions of the video.

    For each scale ``s`` (window duration / video duration) the windows
    start at ``0, s r, 2 s r, ...`` (``r = stride_ratio``) while they fit,
    plus one ending exactly at the video end.

    Returns:
        ``P x 2`` float64 ``(start, end)`` in [0, 1], ordered by scale then
        start.
    """
    if not scales or any(not 0 < s <= 1 for s in scales):
        raise ValueError(f'scales must be fractions in (0, 1], got {tuple(scales)}')
    if stride_ratio <= 0:
        raise ValueError(f'stride_ratio must be > 0, got {stride_ratio}')
    rows = []
    for s in scales:
        step = s * stride_ratio
        starts = np.arange(int(np.floor((1 - s) / step + 1e-9)) + 1) * step
        if starts[-1] < 1 - s - 1e-9:
            starts = np.append(starts, 1 - s)
        rows.append(np.stack([starts, starts + s], 1))
    return np.clip(np.concatenate(rows), 0.0, 1.0)


def proposal_frames(grid: torch.Tensor, lengths: torch.Tensor
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Fractional windows -> half-open frame ranges ``[a, b)`` of each video.

    ``a = round(start T_real)``, ``b = round(end T_real)`` (halves up), then
    ``0 <= a < b <= T_real``: every window holds at least one real frame.

    Args:
        grid: ``P x 2`` fractions.
        lengths: ``(B,)`` numbers of real frames ``T_real`` (>= 1).

    Returns:
        ``(B x P start frames, B x P end frames)``, int64.
    """
    t = lengths.to(torch.float64).view(-1, 1)
    g = grid.to(torch.float64)
    length = lengths.view(-1, 1).long()
    a = torch.floor(g[:, 0] * t + 0.5).long()
    a = torch.minimum(a, length - 1).clamp(min=0)
    b = torch.floor(g[:, 1] * t + 0.5).long()
    b = torch.minimum(torch.maximum(b, a + 1), length)
    return a, b


def _prefix(values: torch.Tensor) -> torch.Tensor:
    """``B x (T + 1)`` float64 prefix sums (0 first)."""
    v = values.to(torch.float64)
    return torch.cat([v.new_zeros(v.shape[0], 1), v.cumsum(1)], 1)


def _range_sum(prefix: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
    return prefix.gather(1, hi) - prefix.gather(1, lo)


def static_scores(curve: torch.Tensor, active: torch.Tensor, start: torch.Tensor,
                  end: torch.Tensor) -> torch.Tensor:
    """Contrast of each window: mean inside minus mean of the active frames
    outside (TFVTG's static score).

    The inside mean divides by the window length (inactive frames count as
    0, as in TFVTG's thresholded curve); the outside mean runs over the
    active frames outside the window. A window with no active frame
    outside scores 0 (no contrast to measure).

    Args:
        curve: ``B x T`` scoring curve (0 on inactive frames).
        active: ``B x T`` bool frames that count (real and, with a
            similarity threshold, above it).
        start: ``B x P`` window start frames (inclusive).
        end: ``B x P`` window end frames (exclusive).

    Returns:
        ``B x P`` float64 scores.
    """
    values = _prefix(curve * active)
    counts = _prefix(active)
    inside = _range_sum(values, start, end)
    out_n = counts[:, -1:] - _range_sum(counts, start, end)
    out_mean = (values[:, -1:] - inside) / out_n.clamp(min=1)
    score = inside / (end - start).clamp(min=1) - out_mean
    return torch.where(out_n > 0, score, torch.zeros_like(score))


def _window_mean(prefix: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor
                 ) -> Tuple[torch.Tensor, torch.Tensor]:
    n = hi - lo
    return _range_sum(prefix, lo, hi) / n.clamp(min=1), n > 0


def dynamic_scores(curve: torch.Tensor, lengths: torch.Tensor, start: torch.Tensor,
                   end: torch.Tensor, boundary_ratio: float) -> torch.Tensor:
    """Rise of the curve at each window's start and fall at its end.

    With ``w = max(1, round(boundary_ratio (b - a)))`` frames: rise =
    mean over ``[a, a + w)`` minus mean over ``[a - w, a)``; fall = mean
    over ``[b - w, b)`` minus mean over ``[b, b + w)``; windows are clipped
    to the window itself and to the real frames. A boundary at a video end
    (empty outer side) gives no term; the score is the mean of the terms
    that exist (0 when neither does).

    Args:
        curve: ``B x T`` (smoothed) curve, 0 on padded frames.
        lengths: ``(B,)`` numbers of real frames.
        start: ``B x P`` window start frames (inclusive).
        end: ``B x P`` window end frames (exclusive).
        boundary_ratio: Boundary band as a fraction of the window length.

    Returns:
        ``B x P`` float64 scores.
    """
    prefix = _prefix(curve)
    w = torch.floor((end - start).double() * boundary_ratio + 0.5).long().clamp(min=1)
    t = lengths.view(-1, 1).long()
    in_start, _ = _window_mean(prefix, start, torch.minimum(start + w, end))
    before, has_before = _window_mean(prefix, (start - w).clamp(min=0), start)
    in_end, _ = _window_mean(prefix, torch.maximum(end - w, start), end)
    after, has_after = _window_mean(prefix, end, torch.minimum(end + w, t))
    rise = torch.where(has_before, in_start - before, torch.zeros_like(before))
    fall = torch.where(has_after, in_end - after, torch.zeros_like(after))
    terms = has_before.double() + has_after.double()
    return (rise + fall) / terms.clamp(min=1)


def threshold_curve(curve: torch.Tensor, mask: torch.Tensor,
                    min_similarity: Optional[float]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Zero the frames at or below ``min_similarity`` (``None``: keep all).

    Returns:
        ``(B x T curve, B x T bool active frames)``.
    """
    active = mask.bool()
    if min_similarity is not None:
        active = active & (curve > min_similarity)
    return curve * active, active
