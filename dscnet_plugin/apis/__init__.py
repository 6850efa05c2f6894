"""High-level APIs."""
from .grounding_inferencer import GroundingInferencer
from .load_weights import apply_state_dict, has_weights, load_weights
from .model_init import init_model
from .pipeline_lookup import find_transform
from .video_inputs import (VIDEO_SUFFIXES, VideoFileGrounding, config_clip_seconds,
                           is_video_file, reads_vlm_features, require_vlm_extra,
                           video_file_refused)

__all__ = ['init_model', 'GroundingInferencer', 'load_weights', 'apply_state_dict',
           'has_weights', 'find_transform', 'VIDEO_SUFFIXES', 'VideoFileGrounding',
           'config_clip_seconds', 'is_video_file', 'reads_vlm_features', 'require_vlm_extra',
           'video_file_refused']
