"""Encode the query sentence with a text encoder (e.g. a CLIP text tower)."""
from typing import Union

import numpy as np
import torch

from ...registry import TEXT_ENCODERS, TRANSFORMS
from ...utils import build_pinned
from .base_transform import BaseTransform


@TRANSFORMS.register_module()
class EncodeQueryText(BaseTransform):
    """``results['query']`` (the sentence) -> ``results['query_feature']``
    (``(D,)`` float32) through a text encoder of ``TEXT_ENCODERS`` with an
    ``encode(sentences) -> B x D`` method, e.g.
    ``dict(type='CLIPTextEncoder', model='openai/clip-vit-base-patch32')``.

    The swap of :class:`LoadQueryFeatures` (precomputed features) for queries
    nobody extracted: the VLM configs read either. The encoder is built
    lazily, once per process, and runs without gradients; each distinct
    sentence is encoded once.

    Args:
        encoder: Config of the text encoder, or a built one.
    """

    def __init__(self, encoder: Union[dict, object]) -> None:
        self.encoder = encoder
        self._encoder = None
        self._cache = {}

    def transform(self, results: dict) -> dict:
        if self._encoder is None:
            self._encoder = (build_pinned(TEXT_ENCODERS, self.encoder)
                             if isinstance(self.encoder, dict) else self.encoder)
        query = results['query']
        if query not in self._cache:
            with torch.no_grad():
                feature = self._encoder.encode([query])[0]
            self._cache[query] = np.asarray(feature.detach().float().cpu(), np.float32)
        results['query_feature'] = self._cache[query]
        return results
