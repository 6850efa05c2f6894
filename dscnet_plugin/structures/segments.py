"""Vectorised operations on 1-D temporal segments ``(start, end)``."""
import numpy as np

#: Tolerance of IoU comparisons. Segments normalised in [0, 1] that went
#: through a seconds round trip differ from the exact values by ~1e-16, and
#: exact ties (IoU == 0.5 between grid cells, say) are common; comparing
#: with this slack keeps such ties on the same side whatever the units.
IOU_EPS = 1e-9


def segment_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Temporal IoU of segments, broadcast over leading dimensions.

    IoU = overlap / (max end - min start), the union-hull convention of the
    grounding literature (equal to overlap / union for overlapping segments;
    0 for disjoint ones). A zero-length segment has IoU 0 with everything.

    Args:
        a: ``... x 2`` array of (start, end).
        b: ``... x 2`` array of (start, end), broadcastable with ``a``.

    Returns:
        ``...`` array of IoU values in [0, 1].
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    inter = np.minimum(a[..., 1], b[..., 1]) - np.maximum(a[..., 0], b[..., 0])
    inter = np.clip(inter, 0.0, None)
    hull = np.maximum(a[..., 1], b[..., 1]) - np.minimum(a[..., 0], b[..., 0])
    with np.errstate(divide='ignore', invalid='ignore'):
        iou = np.where(hull > 0, inter / np.where(hull > 0, hull, 1.0), 0.0)
    return iou


def batched_nms(segments: np.ndarray, scores: np.ndarray, valid: np.ndarray,
                iou_thresh: float, top_k: int) -> np.ndarray:
    """Greedy temporal NMS for N ranked lists at once.

    Candidates are visited by decreasing score (ties: lower index first); a
    candidate is kept when its IoU with every segment kept so far is
    ``<= iou_thresh`` (up to :data:`IOU_EPS`). The loop runs over candidate
    ranks, vectorised over the N lists.

    Args:
        segments: ``N x K x 2`` candidate segments.
        scores: ``N x K`` candidate scores.
        valid: ``N x K`` bool mask of real (non-padding) candidates.
        iou_thresh: Suppression threshold; ``>= 1`` disables suppression.
        top_k: Number of segments to keep per list.

    Returns:
        ``N x top_k`` int64 indices into ``K`` of the kept candidates in rank
        order, ``-1`` in unfilled slots.
    """
    segments = np.asarray(segments, dtype=np.float64)
    n, k = segments.shape[:2]
    valid = np.asarray(valid, bool)
    order = np.argsort(-np.where(valid, scores, -np.inf), axis=1, kind='stable')
    keep = np.full((n, top_k), -1, dtype=np.int64)
    kept = np.zeros((n, top_k, 2), dtype=np.float64)
    num_kept = np.zeros(n, dtype=np.int64)
    rows = np.arange(n)
    for c in range(k):
        idx = order[:, c]
        cand = segments[rows, idx]                           # N x 2
        iou = segment_iou(kept, cand[:, None, :])            # N x top_k
        suppressed = ((iou > iou_thresh + IOU_EPS) & (keep >= 0)).any(axis=1)
        take = valid[rows, idx] & ~suppressed & (num_kept < top_k)
        r, slot = rows[take], num_kept[take]
        keep[r, slot] = idx[take]
        kept[r, slot] = cand[take]
        num_kept += take
        if (num_kept >= top_k).all():
            break
    return keep


def gather_kept(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Select ``values[n, keep[n, i]]`` (``N x K x ...`` -> ``N x top_k x ...``);
    slots with ``keep == -1`` are zero."""
    idx = np.maximum(keep, 0).reshape(keep.shape + (1,) * (values.ndim - 2))
    out = np.take_along_axis(values, idx, axis=1)
    mask = (keep >= 0).reshape(idx.shape)
    return np.where(mask, out, 0)
