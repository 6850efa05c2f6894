"""Stack per-sample inputs into batch tensors on the model's device."""
from typing import Dict, Union

import torch
from mmengine.model import BaseDataPreprocessor

from ...registry import MODELS


@MODELS.register_module()
class GroundingDataPreprocessor(BaseDataPreprocessor):
    """Turn a collated batch into ``{'inputs': dict of B x ... tensors,
    'data_samples': list}`` on the model's device.

    Works with both ``pseudo_collate`` (inputs as lists of tensors) and
    ``default_collate`` (already stacked): e.g. ``video_feature`` becomes
    ``B x T x D``, ``video_mask`` ``B x T``, ``query_tokens`` ``B x L``.
    """

    def forward(self, data: dict, training: bool = False) -> Dict[str, Union[dict, list]]:
        inputs = data.get('inputs') or {}
        stacked = {k: torch.stack(list(v)) if isinstance(v, (list, tuple)) else v
                   for k, v in inputs.items()}
        return self.cast_data(dict(inputs=stacked,
                                   data_samples=data.get('data_samples')))

