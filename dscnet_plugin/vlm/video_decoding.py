"""Decode a video file with PyAV into one frame per clip of ``clip_seconds``.

Each clip ``i`` covers ``[i c, (i + 1) c)`` seconds (``c = clip_seconds``)
and is represented by the frame shown at its **centre** ``(i + 0.5) c``: the
last frame whose presentation time is ``<=`` the centre (the clip's end is
clamped to the duration, so a short last clip takes the frame at the centre
of its real part). ``N = ceil(duration / c)`` clips, as in the moment_detr /
QVHighlights layout (one feature per 2 s clip, the last clip may be shorter).

Decoding streams through the file once and converts only the chosen frames to
arrays (optionally resized by FFmpeg's scaler so the shorter side is
``short_side``), so memory holds ``N`` small frames, never the whole video.
"""
import math
import os
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional

import logging

import numpy as np
import torch
from mmengine.logging import print_log

from ..datasets.errors import DataFileError


class VideoFileError(DataFileError):
    """A video file that is missing, unreadable or holds no video frames."""


@dataclass
class DecodedVideo:
    """The sampled frames of one video.

    Attributes:
        frames: ``N x H x W x 3`` uint8 RGB frames, one per clip.
        duration: Length of the video in seconds.
        times: ``N`` presentation times (seconds from the first frame) of
            the chosen frames.
    """
    frames: torch.Tensor
    duration: float
    times: np.ndarray


def num_clips(duration: float, clip_seconds: float) -> int:
    """``ceil(duration / clip_seconds)`` (at least 1; a duration a rounding
    error above a whole number of clips does not add a clip)."""
    if clip_seconds <= 0 or not math.isfinite(clip_seconds):
        raise ValueError(f'clip_seconds must be a positive number, got {clip_seconds!r}')
    return max(1, math.ceil(duration / clip_seconds - 1e-6))


def clip_centres(duration: float, clip_seconds: float) -> np.ndarray:
    """The centre (seconds) of each clip's part inside ``[0, duration]``
    (``num_clips`` values)."""
    n = num_clips(duration, clip_seconds)
    starts = np.arange(n) * clip_seconds
    ends = np.minimum(starts + clip_seconds, max(duration, starts[-1]))
    return (starts + ends) / 2


def _scaled_size(width: int, height: int, short_side: Optional[int]) -> Optional[tuple]:
    if not short_side or min(width, height) == short_side:
        return None
    scale = short_side / min(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _stream_duration(container, stream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1e6  # av.time_base: microseconds
    return 0.0


def decode_video(path: str, clip_seconds: float = 1.0,
                 short_side: Optional[int] = None) -> DecodedVideo:
    """One frame per clip of ``clip_seconds`` (see the module doc).

    Args:
        path: A video file FFmpeg can read (``.mp4``, ``.mkv``, ``.webm``...).
        clip_seconds: Clip length in seconds (1 for Charades-STA /
            ActivityNet features, 2 for QVHighlights).
        short_side: Resize the chosen frames so their shorter side has this
            many pixels (aspect kept); ``None`` keeps the decoded size.

    Returns:
        :class:`DecodedVideo`: ``frames`` (``N x H x W x 3`` uint8),
        ``duration`` (seconds) and ``times`` (``N``).

    Raises:
        VideoFileError: the file is missing, not a video FFmpeg can decode,
            or has no video frames; the message names the file.
    """
    import av

    path = os.fspath(path)
    if not osp.isfile(path):
        raise VideoFileError(path, 'video file not found')
    num_clips(1.0, clip_seconds)  # validates clip_seconds
    try:
        container = av.open(path)
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError) as e:
        raise VideoFileError(path, f'not a video FFmpeg can read ({e})') from None
    with container:
        if not container.streams.video:
            raise VideoFileError(path, 'has no video stream')
        stream = container.streams.video[0]
        stream.thread_type = 'AUTO'
        rate = float(stream.average_rate or stream.guessed_rate or 25)
        meta_duration = _stream_duration(container, stream)
        # Stream once; keep (not convert) the candidate frame of the next
        # centre. Without a duration in the file's metadata the last clip's
        # centre is taken as if the clip were whole.
        centres = clip_centres(meta_duration, clip_seconds) if meta_duration > 0 \
            else np.zeros(0)

        def centre_of(k: int) -> float:
            return float(centres[k]) if k < len(centres) else (k + 0.5) * clip_seconds

        chosen: List[np.ndarray] = []
        chosen_times: List[float] = []
        prev, prev_time, first, last_time = None, 0.0, None, 0.0
        size, truncated = None, False

        def take(frame) -> None:
            nonlocal size
            if size is None:
                size = _scaled_size(frame.width, frame.height, short_side) or ()
            kwargs = dict(width=size[0], height=size[1]) if size else {}
            chosen.append(frame.to_ndarray(format='rgb24', **kwargs))

        try:
            for index, frame in enumerate(container.decode(stream)):
                time = frame.time if frame.time is not None else index / rate
                first = time if first is None else first
                time -= first
                while prev is not None and time > centre_of(len(chosen)):
                    take(prev)
                    chosen_times.append(prev_time)
                prev, prev_time, last_time = frame, time, time
        except av.FFmpegError as e:
            if prev is None:
                raise VideoFileError(path, f'cannot decode its video stream ({e})') from None
            truncated = True  # keep the frames decoded so far, and say so
            print_log(f'{path}: decoding stopped at {prev_time:.3f} s ({e}); the frames '
                      'decoded so far are used and the duration is cut there',
                      logger='current', level=logging.WARNING)
        if prev is None:
            raise VideoFileError(path, 'has no decodable video frames')
        duration = meta_duration
        if duration <= 0 or truncated:
            duration = last_time + 1.0 / rate
        n = num_clips(duration, clip_seconds)
        while len(chosen) < n:  # centres after the last frame's time
            take(prev)
            chosen_times.append(prev_time)
    frames = torch.from_numpy(np.stack(chosen[:n]))
    return DecodedVideo(frames=frames, duration=float(duration),
                        times=np.asarray(chosen_times[:n], dtype=np.float64))
