"""Ranked segments of a batch into its data samples, in seconds."""
from typing import Sequence

import numpy as np
import torch

from .grounding_data_sample import GroundingDataSample


def attach_predictions(data_samples: Sequence[GroundingDataSample], segments, scores
                       ) -> Sequence[GroundingDataSample]:
    """Set ``pred_moments`` (``K_i x 2`` seconds) and ``pred_scores`` of each
    sample from normalised ranked segments.

    Args:
        data_samples: ``B`` samples; each ``metainfo['duration']`` (seconds)
            scales its segments.
        segments: ``B x K x 2`` segments in [0, 1] (tensor or array).
        scores: ``B x K`` their scores, best first; unfilled slots are
            ``-inf`` (or NaN) and are dropped.

    Returns:
        ``data_samples``, filled in place.
    """
    segments = torch.as_tensor(np.asarray(segments) if isinstance(segments, np.ndarray)
                               else segments).detach().double().cpu()
    scores = torch.as_tensor(np.asarray(scores) if isinstance(scores, np.ndarray)
                             else scores).detach().double().cpu()
    durations = torch.tensor([float(s.metainfo['duration']) for s in data_samples],
                             dtype=torch.float64)
    seconds = segments * durations.view(-1, 1, 1)
    for sample, seg, sc in zip(data_samples, seconds, scores):
        real = torch.isfinite(sc)
        sample.pred_moments = seg[real]
        sample.pred_scores = sc[real]
    return data_samples
