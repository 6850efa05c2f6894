"""Base of the no-video prior baselines."""
from abc import abstractmethod
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.model import BaseModel

from ...datasets.annotations import require_ground_truth
from ...registry import DATA_SOURCES, MODELS
from ...structures import GroundingDataSample, attach_predictions
from ...utils import build_pinned


def training_moments(annotation: Union[dict, object]) -> np.ndarray:
    """Normalised ``M x 2`` (start, end) of the training moments.

    Priors are reference baselines that use the training *boundaries*; they
    read them here, outside the unpaired training collections, which never
    hold boundaries.
    """
    reader = build_pinned(DATA_SOURCES, annotation)
    records = reader.load()
    if not records:
        raise ValueError('the prior needs at least one training moment')
    require_ground_truth(records, getattr(reader, 'ann_file', '<annotation>'),
                         "a prior's training moments")
    return np.array([(r.start / r.duration, r.end / r.duration) for r in records])


class BaseMomentPrior(BaseModel):
    """A baseline that predicts the same kind of segments for every query,
    from the video duration alone (no feature, no query).

    ``forward(inputs, data_samples, mode)``: ``'predict'`` fills
    ``pred_moments`` (``K x 2`` seconds) and ``pred_scores`` (``K``) of each
    sample; ``'tensor'`` returns the normalised ``B x K x 2`` segments. A
    prior has nothing to train, so ``'loss'`` raises.

    Args:
        data_preprocessor: Config of the data preprocessor.
        init_cfg: Initialisation config.
    """

    def __init__(self, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        pre = build_pinned(MODELS, data_preprocessor or
                           dict(type='GroundingDataPreprocessor'))
        super().__init__(data_preprocessor=pre, init_cfg=init_cfg)

    @abstractmethod
    def predict_normalized(self, sample_idx: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Ranked segments for N samples.

        Args:
            sample_idx: ``(N,)`` dataset indices of the samples.

        Returns:
            ``(N x K x 2 segments in [0, 1], N x K scores)``, best first.
        """

    def forward(self, inputs: Optional[dict] = None,
                data_samples: Optional[List[GroundingDataSample]] = None,
                mode: str = 'predict'):
        if mode == 'loss':
            raise RuntimeError(f'{type(self).__name__} is a no-video prior with '
                               'nothing to train; evaluate it with tools/test.py')
        if not data_samples:
            raise ValueError('priors need data_samples (they carry the durations)')
        idx = np.array([s.metainfo.get('sample_idx', i)
                        for i, s in enumerate(data_samples)], dtype=np.int64)
        segments, scores = self.predict_normalized(idx)
        if mode == 'tensor':
            return torch.as_tensor(segments, dtype=torch.float32)
        if mode != 'predict':
            raise ValueError(f'unknown mode {mode!r}')
        return attach_predictions(data_samples, segments, scores)  # -inf: unfilled


def repeat_for(n: int, segments: np.ndarray,
               scores: Sequence[float]) -> Tuple[np.ndarray, np.ndarray]:
    """The same ``K x 2`` ranked list for ``n`` samples."""
    segments = np.asarray(segments, dtype=np.float64).reshape(-1, 2)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    return (np.broadcast_to(segments, (n,) + segments.shape).copy(),
            np.broadcast_to(scores, (n,) + scores.shape).copy())
