"""Ground sentences in a video file directly, for models that read
vision-language features (such as ``ZeroShotVLMGrounder``): decode the video,
embed its frames and the sentences with a CLIP, pack them as the config's
test pipeline does.

A model "reads vision-language features" when its config's test pipeline
loads precomputed query features (``LoadQueryFeatures``): then the query
sentence must become a feature of the same space as the frames, which only a
CLIP text tower gives. Models that read C3D-like features and tokenised
queries (DSCNet on Charades-STA...) cannot take a video file.
"""
import copy
import logging
import math
import numbers
import os
import os.path as osp
from importlib.util import find_spec
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.logging import print_log

from ..structures import GroundingDataSample
from ..utils.cli_errors import SetupError
from .pipeline_lookup import find_transform

#: File suffixes taken for videos to decode (anything FFmpeg reads works,
#: these are the ones recognised by name).
VIDEO_SUFFIXES = ('.mp4', '.m4v', '.mkv', '.webm', '.avi', '.mov', '.mpg', '.mpeg', '.wmv',
                  '.flv', '.3gp', '.ts')
#: Seconds per clip when the config has no ``clip_seconds`` field.
DEFAULT_CLIP_SECONDS = 1.0
#: The packages of the ``[vlm]`` extra.
VLM_PACKAGES = ('transformers', 'av')


def is_video_file(video: Any) -> bool:
    """Whether ``video`` is a path whose suffix names a video container."""
    if not isinstance(video, (str, os.PathLike)):
        return False
    return osp.splitext(os.fspath(video))[1].lower() in VIDEO_SUFFIXES


def reads_vlm_features(cfg: Any) -> bool:
    """Whether the model of ``cfg`` reads vision-language query features:
    its test pipeline has a ``LoadQueryFeatures`` transform."""
    return find_transform(cfg.get('test_dataloader'), 'LoadQueryFeatures') is not None


def require_vlm_extra(purpose: str) -> None:
    """Raise a :class:`SetupError` naming the missing packages of the
    ``[vlm]`` extra (``transformers``, ``av``).

    Args:
        purpose: What needs them, for the message (e.g. ``'grounding in
            clip.mp4'``).
    """
    missing = [m for m in VLM_PACKAGES if find_spec(m) is None]
    if missing:
        raise SetupError(f'{purpose} needs {" and ".join(missing)}, not installed: install '
                         "the [vlm] extra (pip install -e '.[vlm]')")


def video_file_refused(video: str, cfg: Any, feature_dim: Optional[int] = None) -> SetupError:
    """The error for a video file given to a model that reads pre-extracted
    (C3D-like) features."""
    model = cfg.get('model', {}).get('type', 'model')
    model = getattr(model, '__name__', model)
    config = getattr(cfg, 'filename', None) or 'the given config'
    dim = f'{feature_dim}-d ' if feature_dim else ''
    return SetupError(
        f'{os.fspath(video)} is a video file, but the model of {config} ({model}) reads '
        f'pre-extracted {dim}video features (T x D, such as C3D) and tokenised queries, '
        'not frames: give a .npy / .pt file of one video\'s features, or (HDF5 file or '
        'feature folder, video id) (tools/infer.py: --video FILE --video-id ID). Video '
        'files are grounded directly by models that read CLIP features, e.g. '
        'configs/zeroshot_vlm_charades-sta.py')


def config_clip_seconds(cfg: Any, clip_seconds: Optional[float] = None) -> float:
    """Seconds per feature row: ``clip_seconds`` if given, else the config's
    top-level ``clip_seconds`` (set by the dataset configs
    ``configs/_base_/datasets/*_vlm.py``: 1 s, 2 s for QVHighlights), else
    :data:`DEFAULT_CLIP_SECONDS` (with a warning).

    Raises:
        SetupError: a value that is not a positive finite number.
    """
    value = clip_seconds if clip_seconds is not None else cfg.get('clip_seconds')
    if value is None:
        print_log(f'the config has no clip_seconds: decoding {DEFAULT_CLIP_SECONDS:g} s '
                  'clips', logger='current', level=logging.WARNING)
        value = DEFAULT_CLIP_SECONDS
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value <= 0):
        raise SetupError(f'clip_seconds must be a positive number of seconds, got {value!r}')
    return float(value)


def _reader_key(reader: Any) -> str:
    if isinstance(reader, dict):
        return reader.get('key', 'pooler_output')
    return getattr(reader, 'key', 'pooler_output')


class VideoFileGrounding:
    """The inputs of a vision-language model for one video and its queries.

    Frames are decoded at one per ``clip_seconds`` clip (the frame at the
    clip's centre, :func:`~dscnet_plugin.vlm.decode_video`) and embedded
    with the CLIP image tower (``N x D``, unit rows), exactly as
    ``tools/data/extract_vlm_features.py`` writes them; the sentences go
    through the text tower and become ``query_feature`` (``D``) as the
    config's ``LoadQueryFeatures`` would read them from a file (its reader's
    ``key``, ``pooler_output`` or ``last_hidden_state`` pooled by its
    ``pool``).

    Args:
        cfg: The model's config (its test pipeline, ``clip_seconds``).
        clip_model: CLIP folder (``save_pretrained``) or hub name.
        clip_seconds: Seconds per clip (``None``: see
            :func:`config_clip_seconds`).
        device: Where the CLIP runs.
        batch_size: Frames / sentences per CLIP forward.
    """

    def __init__(self, cfg: Any, clip_model: str, clip_seconds: Optional[float] = None,
                 device: Optional[str] = None, batch_size: int = 64) -> None:
        load_query = find_transform(cfg.get('test_dataloader'), 'LoadQueryFeatures') or {}
        self.query_key = _reader_key(load_query.get('reader', {}))
        self.query_pool = load_query.get('pool', 'mean')
        self.clip_seconds = config_clip_seconds(cfg, clip_seconds)
        self.clip_model = os.fspath(clip_model)
        self.device = device
        self.batch_size = batch_size
        self._embedder = None

    @property
    def embedder(self) -> Any:
        """The :class:`~dscnet_plugin.vlm.CLIPEmbedder`, loaded on first use."""
        if self._embedder is None:
            require_vlm_extra('embedding with CLIP')
            from ..vlm import CLIPEmbedder
            self._embedder = CLIPEmbedder(self.clip_model, device=self.device,
                                          batch_size=self.batch_size)
        return self._embedder

    def decode(self, path: str) -> Tuple[np.ndarray, float]:
        """``(N x D`` float32 frame features, duration in seconds)`` of a
        video file.

        Raises:
            VideoFileError: the file is missing or FFmpeg cannot decode it.
            SetupError: ``transformers`` / ``av`` are not installed.
        """
        from ..vlm.video_decoding import VideoFileError
        path = os.fspath(path)
        if not osp.isfile(path):
            raise VideoFileError(path, 'video file not found')
        require_vlm_extra(f'grounding in the video file {path}')
        from ..vlm import decode_video
        short_side = self.embedder.clip.preprocessing.short_side
        decoded = decode_video(path, self.clip_seconds, short_side=short_side)
        feats = self.embedder.embed_images(decoded.frames).numpy().astype(np.float32)
        return feats, decoded.duration

    def query_features(self, queries: Sequence[str]) -> np.ndarray:
        """``B x D`` float32 features of the sentences (not normalised, as
        on disk: the model normalises)."""
        out = []
        for feats in self.embedder.embed_texts(list(queries)):
            feature = feats[self.query_key]
            if feature.ndim == 2:
                feature = feature.mean(0) if self.query_pool == 'mean' else feature.max(0)
            out.append(feature)
        return np.stack(out).astype(np.float32)

    def items(self, queries: List[str], video: Any, duration: Optional[float],
              load_features: Callable[[Any], Tuple[np.ndarray, str]],
              resample: Callable[[dict], dict], pack: Callable[[dict], dict]) -> List[dict]:
        """One packed sample per query.

        Args:
            queries: The sentences.
            video: A video file, or features ``load_features`` reads.
            duration: Seconds; read from a video file (must be ``None``
                then), required for features.
            load_features: Reads non-video inputs into ``(T0 x D, id)``.
            resample: The test pipeline's ``ResampleFeatures``.
            pack: ``PackGroundingInputs`` (as a callable pipeline).

        Raises:
            SetupError: a duration given with a video file or missing with
                features; features of another dimension than the CLIP's.
        """
        if is_video_file(video):
            if duration is not None:
                raise SetupError(f'{os.fspath(video)}: the duration of a video file is read '
                                 'from it; do not pass one')
            feats, duration = self.decode(video)
            video_id = osp.splitext(osp.basename(os.fspath(video)))[0]
        else:
            if duration is None:
                raise SetupError('give the duration (seconds) of pre-extracted video '
                                 'features: the model predicts in seconds')
            feats, video_id = load_features(video)
        query = self.query_features(queries)
        if feats.shape[1] != query.shape[1]:
            raise SetupError(f'the video features are {feats.shape[1]}-d but the CLIP '
                             f'{self.clip_model} gives {query.shape[1]}-d sentences: use '
                             'the model the features were extracted with (--clip-model)')
        resampled = resample(dict(video_feature=feats))
        base = dict(video_feature=resampled['video_feature'],
                    video_mask=resampled['video_mask'], video_id=video_id,
                    num_source_frames=int(feats.shape[0]), duration=float(duration))
        return [pack(dict(base, query=q, query_feature=f)) for q, f in zip(queries, query)]

    @staticmethod
    @torch.no_grad()
    def forward(model: nn.Module, data: Dict[str, Any],
                top_k: int = 5) -> List[GroundingDataSample]:
        """Run the model's ``predict`` on a collated batch.

        Returns:
            The samples with ``pred_moments`` (``K x 2`` seconds, float64),
            ``pred_scores`` (``K``, descending) and ``frame_scores`` (the
            model's ``B x T`` frame curve on the real frames: its
            ``frame_curves``, else its ``frame_scores``; empty when it has
            neither), on the CPU.
        """
        if getattr(model, 'top_k', top_k) != top_k:
            model = _with_top_k(model, top_k)
        data = model.data_preprocessor(data, False)
        batch, samples = data['inputs'], data['data_samples']
        mask = batch['video_mask'].bool()
        curve_fn = getattr(model, 'frame_curves', None) or getattr(model, 'frame_scores', None)
        curves = curve_fn(batch) if curve_fn is not None else None
        samples = model(batch, samples, mode='predict')
        for i, sample in enumerate(samples):
            sample.pred_moments = torch.as_tensor(sample.pred_moments).double().cpu()[:top_k]
            sample.pred_scores = torch.as_tensor(sample.pred_scores).double().cpu()[:top_k]
            sample.frame_scores = (curves[i][mask[i]].float().cpu() if curves is not None
                                   else torch.zeros(0))
        return samples


def _with_top_k(model: nn.Module, top_k: int) -> nn.Module:
    """A shallow copy of ``model`` (same parameters) keeping ``top_k``."""
    clone = copy.copy(model)
    clone.top_k = top_k
    return clone
