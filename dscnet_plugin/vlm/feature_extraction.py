"""CLIP features of one's own videos, in the moment_detr / lighthouse layout.

Under ``out``:

- ``video_features/{vid}.npz``: key ``features``, ``T x D`` float32,
  unit-norm rows, one per clip of ``clip_seconds`` (``T = ceil(duration /
  clip_seconds)``; the frame at each clip's centre, see
  :mod:`dscnet_plugin.vlm.video_decoding`); ``vid`` = the file's stem;
- ``durations.json``: ``{vid: seconds}``, read by
  :func:`dscnet_plugin.datasets.annotations.durations.load_durations`.

Every file is written atomically, and ``durations.json`` after each video,
so a stopped run resumes: a video whose ``.npz`` is valid (``T x D`` float32
with the expected ``T`` and ``D``, finite) and whose duration is recorded is
skipped.
"""
import json
import logging
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log

from ..datasets.annotations.durations import load_durations
from ..utils.atomic_files import atomic_npz, atomic_text
from ..utils.cli_errors import SetupError
from ..utils.progress import track
from .clip_embedder import CLIPEmbedder
from .video_decoding import decode_video, num_clips

VIDEO_DIR = 'video_features'
DURATIONS_FILE = 'durations.json'
FEATURE_KEY = 'features'


@dataclass
class ExtractionSummary:
    """What a run did: rows written per video id, ids skipped as done."""
    written: Dict[str, int] = field(default_factory=dict)
    skipped: List[str] = field(default_factory=list)


def video_id(path: str) -> str:
    """The id of a video file: its name without the suffix."""
    return osp.splitext(osp.basename(os.fspath(path)))[0]


def read_npz(path: str) -> Optional[Dict[str, np.ndarray]]:
    """The arrays of an ``.npz`` (no pickles), or ``None`` if unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, KeyError):
        return None


def valid_features(path: str, rows: int, dim: int) -> bool:
    """``path`` holds ``features`` of shape ``rows x dim``, float32, finite."""
    data = read_npz(path) if osp.isfile(path) else None
    feats = None if data is None else data.get(FEATURE_KEY)
    return (feats is not None and feats.dtype == np.float32 and feats.shape == (rows, dim)
            and bool(np.isfinite(feats).all()))


def _video_ids(videos: Sequence[str]) -> Dict[str, str]:
    ids: Dict[str, str] = {}
    for path in videos:
        vid = video_id(path)
        if not vid:
            raise SetupError(f'{path}: cannot take a video id from this file name')
        if vid in ids and osp.abspath(ids[vid]) != osp.abspath(path):
            raise SetupError(f'{ids[vid]} and {path} have the same video id {vid!r} '
                             '(ids are file names without the suffix)')
        ids[vid] = path
    return ids


def _write_durations(path: str, durations: Dict[str, float]) -> None:
    atomic_text(path, json.dumps(dict(sorted(durations.items())), indent=1,
                                 ensure_ascii=False) + '\n')


def extract_video_features(videos: Sequence[str], out: str, embedder: CLIPEmbedder,
                           clip_seconds: float = 1.0,
                           overwrite: bool = False) -> ExtractionSummary:
    """Write the CLIP features and durations of ``videos`` under ``out``.

    Args:
        videos: Video files; their stems are the video ids (two files with
            one stem are refused).
        out: Output folder (see the module doc for the layout).
        embedder: The CLIP model.
        clip_seconds: Seconds per feature row.
        overwrite: Recompute videos already done.

    Returns:
        :class:`ExtractionSummary`.

    Raises:
        VideoFileError: a video cannot be decoded (its message names it);
            the videos done before it are kept.
        SetupError: two videos share an id.
    """
    num_clips(1.0, clip_seconds)  # validates clip_seconds
    ids = _video_ids(videos)
    feature_dir = osp.join(out, VIDEO_DIR)
    durations_path = osp.join(out, DURATIONS_FILE)
    durations = load_durations(durations_path) if osp.isfile(durations_path) else {}
    summary = ExtractionSummary()
    short_side = embedder.clip.preprocessing.short_side
    for vid, path in track(list(ids.items())):
        target = osp.join(feature_dir, vid + '.npz')
        if (not overwrite and vid in durations and valid_features(
                target, num_clips(durations[vid], clip_seconds), embedder.dim)):
            summary.skipped.append(vid)
            continue
        video = decode_video(path, clip_seconds, short_side=short_side)
        feats = embedder.embed_images(video.frames).numpy().astype(np.float32)
        atomic_npz(target, **{FEATURE_KEY: feats})
        durations[vid] = round(video.duration, 6)
        _write_durations(durations_path, durations)
        summary.written[vid] = int(feats.shape[0])
        print_log(f'{path}: {feats.shape[0]} clips of {clip_seconds:g} s '
                  f'({video.duration:.2f} s) -> {target}', logger='current',
                  level=logging.INFO)
    if summary.skipped:
        print_log(f'{len(summary.skipped)} video(s) already extracted, skipped '
                  '(--overwrite recomputes them)', logger='current', level=logging.INFO)
    return summary
