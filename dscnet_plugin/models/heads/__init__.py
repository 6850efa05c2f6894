"""Attention heads of the video module."""
from .foreground_attention_head import ForegroundAttentionHead
from .masked_ops import masked_softmax
from .shared_space_head import SharedSpaceHead
from .specific_attention_head import SpecificAttentionHead

__all__ = ['ForegroundAttentionHead', 'SharedSpaceHead', 'SpecificAttentionHead',
           'masked_softmax']
