"""How far the inference scores of adjacent frames differ."""
from typing import Dict

import torch


def score_ratio_summary(ratios: torch.Tensor) -> Dict[str, float]:
    """Quantiles of adjacent-frame score ratios (``min / max`` in [0, 1],
    see ``DSCNet.pop_score_ratios``) and the shares at or above the paper's
    growing thresholds: when nearly every ratio is >= 0.9 the curves are
    flat and a segment grown from the peak swallows the video.

    Args:
        ratios: ``(N,)`` ratios.
    """
    r = ratios.float()
    q = torch.quantile(r, torch.tensor([0.1, 0.5, 0.9]))
    return dict(count=float(r.numel()), q10=float(q[0]), median=float(q[1]), q90=float(q[2]),
                at_least_0_9=float((r >= 0.9).float().mean()),
                at_least_0_8=float((r >= 0.8).float().mean()))
