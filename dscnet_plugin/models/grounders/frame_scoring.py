"""Per-frame inference scores of DSCNet from its per-neck logits."""
from typing import List

import torch
import torch.nn.functional as F

from ..heads import masked_softmax

SCORE_MODES = ('probability', 'softmax_product')


def probability_scores(spe_logits: List[torch.Tensor], fore_logits: torch.Tensor,
                       mask: torch.Tensor, temperature: float = 1.0,
                       query_weight: float = 1.0) -> torch.Tensor:
    """Geometric mean over the necks of the matching probabilities
    ``h_i(t) = sigmoid(spe_i(t)) sigmoid(fore(t))`` that ``L_cls`` trains
    against the labels (Eq. 12-13), scaled to a peak of 1 per video.

    The ratio of two frames' scores is then a ratio of calibrated
    probabilities (a frame labelled 1 scores near the peak, one labelled 0
    near 0), so the paper's 0.9 / 0.8 growing test stops at the edge of the
    matched frames.

    Args:
        spe_logits: ``N_e`` tensors ``B x T`` (query neck ``i`` against the
            frames, before the sigmoid).
        fore_logits: ``B x T`` foreground logits.
        mask: ``B x T`` bool real frames.
        temperature: Divides the logits.
        query_weight: Weight of the query's log-probability term (1: the
            matching probability above; 0: the foreground alone, the score
            of a model whose text-video link failed its check,
            ``docs/method.md`` reading 29).

    Returns:
        ``B x T`` scores in [0, 1], 0 on padded frames.
    """
    log_fore = F.logsigmoid(fore_logits / temperature)
    if query_weight == 0:  # the foreground alone (no 0 * -inf where a logit is -inf)
        return peak_one(log_fore, mask)
    log_spe = torch.stack([F.logsigmoid(s / temperature) for s in spe_logits]).mean(0)
    return peak_one(query_weight * log_spe + log_fore, mask)


def softmax_product_scores(spe_scores: List[torch.Tensor], fore_scores: torch.Tensor,
                           mask: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """The paper's inference as written (reading 12 of ``docs/method.md``):
    ``prod_i softmax_t(s_i(t) / tau)`` with ``s_i = A_spe,i * A_fore``, values
    in [0, 1], so adjacent frames' ratios stay within ``exp(1 / tau)``.

    Args:
        spe_scores: ``N_e`` tensors ``B x T`` (matching scores in [0, 1]).
        fore_scores: ``B x T`` ``A_fore``.
        mask: ``B x T`` bool real frames.
        temperature: ``tau``.
    """
    log_joint = sum(torch.log(masked_softmax(s * fore_scores / temperature, mask).clamp(min=1e-30))
                    for s in spe_scores)
    return peak_one(log_joint, mask)


def query_scores(score_mode: str, spe: List[dict], fore: dict, mask: torch.Tensor,
                 temperature: float = 1.0, query_weight: float = 1.0) -> torch.Tensor:
    """``B x T`` scores of each video for its query from the specific head's
    outputs for the query's ``N_e`` necks (``spe``, each with one centre:
    ``logits`` / ``scores`` ``B x 1 x T``) and the foreground head's
    (``fore``): :func:`probability_scores` (with ``query_weight``) or
    :func:`softmax_product_scores` by ``score_mode``."""
    if score_mode == 'probability':
        return probability_scores([s['logits'][:, 0] for s in spe], fore['logits'], mask,
                                  temperature, query_weight)
    if query_weight != 1.0:
        raise ValueError(f"query_weight {query_weight:g} needs score_mode='probability'")
    return softmax_product_scores([s['scores'][:, 0] for s in spe], fore['scores'], mask,
                                  temperature)


def peak_one(log_score: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    log_score = log_score.masked_fill(~mask, -float('inf'))
    return torch.exp(log_score - log_score.max(-1, keepdim=True).values) * mask


def adjacent_ratios(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``min / max`` of the scores of every pair of adjacent real frames
    (1: equal, near 0: a sharp edge), flattened."""
    a, b = scores[:, :-1], scores[:, 1:]
    both = mask[:, :-1] & mask[:, 1:]
    hi = torch.maximum(a, b)
    return (torch.minimum(a, b) / hi.clamp(min=1e-30))[both & (hi > 0)]
