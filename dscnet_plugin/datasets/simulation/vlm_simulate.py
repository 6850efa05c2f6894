"""Simulated VLM features (``vlm`` mode) for Charades-STA, ActivityNet
Captions and QVHighlights, written in the moment_detr layout under ``out``::

    video_features/{vid}.npz      features: T x 512 float32, unit rows
    text_features/qid{qid}.npz    pooler_output: 512, last_hidden_state: L x 512
    {split}.jsonl                 {"qid", "query", "vid", "duration", "relevant_windows"}
    simulation.json               the parameters and counts

qids count across the splits in order (train first). The features follow
the real timelines (:mod:`.vlm_space`); the windows are the real ones.
"""
import json
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

from mmengine.logging import print_log

from ...utils import atomic_npz, atomic_text, track
from ..annotations.activitynet_captions import ActivityNetCaptionsAnnotation
from ..annotations.charades_sta import CharadesSTAAnnotation
from ..annotations.moment_detr import MomentDETRAnnotation, write_moment_detr_jsonl
from ..annotations.moment_record import MomentRecord
from ..errors import AnnotationError
from .simulate import ACTIVITYNET_FILES, CHARADES_SPLITS
from .timelines import (TimelineEvent, VideoTimeline, _event, _read_table,
                        activitynet_timelines, charades_timelines)
from .vlm_space import VLMSpace

#: Seconds per feature row of each dataset.
CLIP_SECONDS = {'charades-sta': 1.0, 'activitynet': 1.0, 'qvhighlights': 2.0}
QVHIGHLIGHTS_SPLITS = ('train', 'val')


def write_vlm_layout(space: VLMSpace, timelines: Sequence[VideoTimeline],
                     splits: Sequence[Tuple[str, Sequence[MomentRecord]]], out: str,
                     clip_seconds: float, write_splits: Optional[Sequence[str]] = None,
                     extra: Optional[dict] = None) -> dict:
    """Write the features and annotations of ``splits`` under ``out``.

    Args:
        space: The shared space, with the signatures of every event's concept.
        timelines: What happens in each video (one per video of the queries).
        splits: ``(name, rows)`` in qid order (train first).
        out: Output folder.
        clip_seconds: Seconds per feature row.
        write_splits: Only these splits (and their videos) are written; the
            qids still count over every split, so they do not change.
        extra: More fields of ``simulation.json``.

    Returns:
        The manifest written to ``out/simulation.json``.

    Raises:
        AnnotationError: a query's video has no timeline.
    """
    by_vid = {tl.vid: tl for tl in timelines}
    chosen = [s for s, _ in splits] if write_splits is None else list(write_splits)
    unknown = set(chosen) - {s for s, _ in splits}
    if unknown:
        raise ValueError(f'unknown split(s) {sorted(unknown)}; have {[s for s, _ in splits]}')
    first, jobs = 0, []
    for name, rows in splits:
        if name in chosen:
            jobs.append((name, first, rows))
        first += len(rows)
    vids = list(dict.fromkeys(r.video_id for _, _, rows in jobs for r in rows))
    missing = [v for v in vids if v not in by_vid]
    if missing:
        raise AnnotationError(out, f'{len(missing)} video(s) of the queries have no '
                              f'timeline, e.g. {missing[:3]}')
    os.makedirs(osp.join(out, 'video_features'), exist_ok=True)
    os.makedirs(osp.join(out, 'text_features'), exist_ok=True)
    print_log(f'[simulate-vlm] writing {len(vids)} videos to {out}/video_features',
              logger='current')
    frames = 0
    for vid in track(vids):
        x = space.frames(by_vid[vid], clip_seconds)
        frames += len(x)
        atomic_npz(osp.join(out, 'video_features', f'{vid}.npz'), features=x)
    counts = {}
    for name, first_qid, rows in jobs:
        pooled, tokens = space.encode_queries([r.sentence for r in rows])
        print_log(f'[simulate-vlm] {name}: {len(rows)} queries (qid {first_qid}..'
                  f'{first_qid + len(rows) - 1}) to {out}/text_features', logger='current')
        for k in track(range(len(rows))):
            atomic_npz(osp.join(out, 'text_features', f'qid{first_qid + k}.npz'),
                       pooler_output=pooled[k], last_hidden_state=tokens[k])
        write_moment_detr_jsonl(rows, osp.join(out, f'{name}.jsonl'), first_qid)
        counts[name] = dict(queries=len(rows), first_qid=first_qid)
    manifest = dict(space.params, mode='vlm', clip_seconds=clip_seconds, videos=len(vids),
                    frames=frames, splits=counts, **(extra or {}))
    atomic_text(osp.join(out, 'simulation.json'), json.dumps(manifest, indent=1))
    print_log(f'[simulate-vlm] wrote {out} ({len(vids)} videos, {frames} frames)',
              logger='current')
    return manifest


# ------------------------------------------------------------------ datasets
def charades_class_names(path: str) -> Dict[str, str]:
    """``Charades_v1_classes.txt`` -> ``{'c000': 'Holding some clothes', ...}``."""
    names = {}
    for lineno, row in enumerate(_read_table(path), start=1):
        if len(row) < 2 or not row[0].startswith('c'):
            raise AnnotationError(path, f'expected "cXXX class name", got {row}', lineno)
        names[row[0]] = ' '.join(row[1:])
    return names


def simulate_vlm_charades(data_root: str, out: str, space: VLMSpace,
                          splits: Optional[Sequence[str]] = None) -> dict:
    """Charades-STA: real ``charades_sta_{train,test}.txt`` windows, Charades
    durations and action timelines; signatures from the class names."""
    rows = []
    for s in CHARADES_SPLITS:
        reader = CharadesSTAAnnotation(f'charades_sta/charades_sta_{s}.txt',
                                       f'charades/Charades_v1_{s}.csv', data_root)
        rows.append((s, reader.read()))
    charades = osp.join(data_root, 'charades')
    vids = {r.video_id for _, rs in rows for r in rs}
    timelines = charades_timelines([osp.join(charades, f'Charades_v1_{s}.csv')
                                    for s in CHARADES_SPLITS], vids)
    space.add_concepts(charades_class_names(osp.join(charades, 'Charades_v1_classes.txt')))
    return write_vlm_layout(space, timelines, rows, out, CLIP_SECONDS['charades-sta'],
                            splits, extra=dict(dataset='charades-sta'))


def simulate_vlm_activitynet(data_root: str, out: str, space: VLMSpace,
                             limit: Optional[int] = None,
                             splits: Optional[Sequence[str]] = None) -> dict:
    """ActivityNet Captions (train, val_1, val_2): every caption is an event
    whose signature comes from its own words (``limit``: only the first
    ``limit`` videos of each file; a video's events are those of every file)."""
    folder = osp.join(data_root, 'activitynet_captions')
    paths = [osp.join(folder, f) for f in ACTIVITYNET_FILES]
    timelines, sentences = activitynet_timelines(paths)
    records = [ActivityNetCaptionsAnnotation(path).read() for path in paths]
    keep = set()
    for recs in records:
        keep.update(list(dict.fromkeys(r.video_id for r in recs))[:limit])
    timelines = [tl for tl in timelines if tl.vid in keep]
    rows = [(osp.splitext(osp.basename(path))[0],
             [r for r in recs if r.video_id in keep]) for path, recs in zip(paths, records)]
    needed = {e.concept for tl in timelines for e in tl.events}
    space.add_concepts({k: v for k, v in sentences.items() if k in needed})
    return write_vlm_layout(space, timelines, rows, out, CLIP_SECONDS['activitynet'],
                            splits, extra=dict(dataset='activitynet', limit=limit))


def simulate_vlm_qvhighlights(data_root: str, out: str, space: VLMSpace,
                              splits: Optional[Sequence[str]] = None) -> dict:
    """QVHighlights (train, val): each window is an event whose signature comes
    from its own query; 2 s clips, each record's duration (150 s)."""
    folder = osp.join(data_root, 'qvhighlights')
    rows, events, durations, texts = [], {}, {}, {}
    for s in QVHIGHLIGHTS_SPLITS:
        split_rows = []
        path = osp.join(folder, f'highlight_{s}_release.jsonl')
        for rec in MomentDETRAnnotation(path).read():
            d = durations[rec.video_id] = max(durations.get(rec.video_id, 0.0), rec.duration)
            texts[rec.source] = rec.sentence
            evs = [_event(rec.source, a, b, d) for a, b in rec.windows]
            events.setdefault(rec.video_id, []).extend(evs)
            split_rows.append(rec)
        rows.append((s, split_rows))
    timelines = [VideoTimeline(v, durations[v], 'none', tuple(TimelineEvent(*e) for e in ev))
                 for v, ev in events.items()]
    space.add_concepts(texts)
    return write_vlm_layout(space, timelines, rows, out, CLIP_SECONDS['qvhighlights'],
                            splits, extra=dict(dataset='qvhighlights'))


SIMULATORS = {'charades-sta': simulate_vlm_charades, 'activitynet': simulate_vlm_activitynet,
              'qvhighlights': simulate_vlm_qvhighlights}
