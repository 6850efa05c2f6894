"""CLIP's image preprocessing in torch, batched: resize the shorter side,
centre crop, scale to ``[0, 1]``, normalise with the model's mean / std.

Equivalent in intent to ``CLIPImageProcessor`` (bicubic resize of the shorter
side to ``shortest_edge``, centre crop to ``crop_size``, ``1 / 255``,
normalise), without PIL or torchvision: the resize is
``torch.nn.functional.interpolate(mode='bicubic', antialias=True)``, so values
differ from PIL's by interpolation rounding only.
"""
import json
import os.path as osp
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

#: The mean / std of OpenAI's CLIP (``OPENAI_CLIP_MEAN`` / ``_STD`` in transformers).
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
PREPROCESSOR_FILE = 'preprocessor_config.json'


@dataclass
class ClipImagePreprocessing:
    """Frames ``N x H x W x 3`` uint8 -> ``N x 3 x crop x crop`` float32.

    Attributes:
        short_side: Size of the shorter side after the resize.
        crop: Side of the square centre crop.
        mean: Per-channel mean (RGB), in ``[0, 1]`` units.
        std: Per-channel standard deviation (RGB).
    """
    short_side: int
    crop: int
    mean: Sequence[float] = CLIP_MEAN
    std: Sequence[float] = CLIP_STD

    @classmethod
    def from_config(cls, image_size: int, preprocessor: Optional[dict] = None
                    ) -> 'ClipImagePreprocessing':
        """Read ``size`` / ``crop_size`` / ``image_mean`` / ``image_std`` of a
        ``preprocessor_config.json`` (its ``dict``); a missing entry falls
        back to ``image_size`` (the vision tower's input) and CLIP's mean /
        std."""
        pre = preprocessor or {}

        def side(value, key: str) -> int:
            if isinstance(value, dict):
                value = value.get(key, value.get('height', image_size))
            return int(value) if value else image_size

        return cls(short_side=side(pre.get('size'), 'shortest_edge'),
                   crop=side(pre.get('crop_size'), 'height'),
                   mean=tuple(pre.get('image_mean') or CLIP_MEAN),
                   std=tuple(pre.get('image_std') or CLIP_STD))

    def resized_size(self, height: int, width: int) -> Tuple[int, int]:
        """``(H', W')`` with the shorter side ``short_side``, aspect kept."""
        scale = self.short_side / min(height, width)
        return max(self.crop, round(height * scale)), max(self.crop, round(width * scale))

    def __call__(self, frames: torch.Tensor) -> torch.Tensor:
        """Args:
            frames: ``N x H x W x 3`` uint8 RGB (any device).

        Returns:
            ``N x 3 x crop x crop`` float32 on the frames' device.
        """
        if frames.dim() != 4 or frames.size(-1) != 3:
            raise ValueError(f'frames have shape {tuple(frames.shape)}, expected N x H x W x 3')
        x = frames.permute(0, 3, 1, 2).float()
        h, w = x.shape[-2:]
        size = self.resized_size(h, w)
        if size != (h, w):
            x = F.interpolate(x, size=size, mode='bicubic', align_corners=False,
                              antialias=True).clamp_(0, 255)
        top = (size[0] - self.crop) // 2
        left = (size[1] - self.crop) // 2
        x = x[..., top:top + self.crop, left:left + self.crop] / 255.0
        mean = torch.tensor(self.mean, device=x.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, device=x.device).view(1, 3, 1, 1)
        return (x - mean) / std


def read_preprocessor_config(folder: str) -> Optional[dict]:
    """The ``preprocessor_config.json`` of a model folder, if it has one."""
    path = osp.join(folder, PREPROCESSOR_FILE)
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    return data if isinstance(data, dict) else None


__all__ = ['ClipImagePreprocessing', 'read_preprocessor_config', 'CLIP_MEAN', 'CLIP_STD']
