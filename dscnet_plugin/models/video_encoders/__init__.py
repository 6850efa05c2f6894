"""Video encoders."""
from .self_attention_video_encoder import SelfAttentionVideoEncoder

__all__ = ['SelfAttentionVideoEncoder']
