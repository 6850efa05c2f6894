"""The vision-language route: decode one's own videos and embed frames and
sentences with a ``transformers`` CLIP (the ``[vlm]`` extra: ``transformers``,
``av``; imported only when used, so the package works without them)."""
from .clip_embedder import CLIPEmbedder
from .clip_loading import DEFAULT_CLIP, LoadedClip, ModelLoadError, default_device, load_clip
from .clip_text import project_texts, split_tokens
from .feature_extraction import (DURATIONS_FILE, VIDEO_DIR, ExtractionSummary,
                                 extract_video_features, valid_features, video_id)
from .image_preprocessing import CLIP_MEAN, CLIP_STD, ClipImagePreprocessing
from .query_extraction import (QUERY_NAME_FORMAT, TEXT_DIR, extract_query_features,
                               read_queries, valid_query_file)
from .video_decoding import DecodedVideo, VideoFileError, clip_centres, decode_video, num_clips

__all__ = [
    'CLIPEmbedder', 'DEFAULT_CLIP', 'LoadedClip', 'ModelLoadError', 'default_device',
    'load_clip', 'project_texts', 'split_tokens', 'DURATIONS_FILE', 'VIDEO_DIR',
    'ExtractionSummary', 'extract_video_features', 'valid_features', 'video_id', 'CLIP_MEAN',
    'CLIP_STD', 'ClipImagePreprocessing', 'QUERY_NAME_FORMAT', 'TEXT_DIR',
    'extract_query_features', 'read_queries', 'valid_query_file', 'DecodedVideo',
    'VideoFileError', 'clip_centres', 'decode_video', 'num_clips'
]
