"""Pack a results dict into model inputs and a data sample."""
from typing import Sequence

import torch

from ...registry import TRANSFORMS
from ...structures import GroundingDataSample
from .base_transform import BaseTransform


@TRANSFORMS.register_module()
class PackGroundingInputs(BaseTransform):
    """Build ``{'inputs': dict of tensors, 'data_samples': GroundingDataSample}``.

    ``gt_moment`` (``2``) and ``gt_windows`` (``K x 2``), when present,
    become the sample's data fields (seconds).

    Args:
        input_keys: Keys copied (when present) into ``inputs`` as tensors,
            e.g. ``video_feature`` (``T x D``), ``video_mask`` (``T``),
            ``query_tokens`` (``L``), ``query_mask`` (``L``),
            ``query_feature`` (``D``, see :class:`LoadQueryFeatures`).
        meta_keys: Keys copied (when present) into the sample's metainfo.
    """

    def __init__(self,
                 input_keys: Sequence[str] = ('video_feature', 'video_mask',
                                              'query_tokens', 'query_mask',
                                              'query_feature'),
                 meta_keys: Sequence[str] = ('video_id', 'duration', 'query',
                                             'sample_idx', 'video_index',
                                             'query_index', 'query_id',
                                             'num_source_frames',
                                             'query_length')) -> None:
        self.input_keys = tuple(input_keys)
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        inputs = {k: torch.as_tensor(results[k]) for k in self.input_keys
                  if k in results}
        sample = GroundingDataSample(
            metainfo={k: results[k] for k in self.meta_keys if k in results})
        if 'gt_moment' in results:
            sample.gt_moment = results['gt_moment']
        if 'gt_windows' in results:
            sample.gt_windows = results['gt_windows']
        return dict(inputs=inputs, data_samples=sample)
