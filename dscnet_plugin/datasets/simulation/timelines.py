"""Real action timelines that drive the feature simulator.

A timeline lists what happens in one video: ``(concept, start, end)`` events
in seconds, the video's duration and its scene. Charades gives 157 action
classes per video (``actions`` column of ``Charades_v1_{train,test}.csv``),
each a (verb, object) pair in ``Charades_v1_mapping.txt``; ActivityNet
Captions gives one event per caption, whose concept is the caption itself.
"""
import csv
import json
import os.path as osp
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from ..errors import AnnotationError


class TimelineEvent(NamedTuple):
    """One event of a timeline: ``concept`` happens in ``[start, end]`` s."""
    concept: str
    start: float
    end: float


class VideoTimeline(NamedTuple):
    """What happens in one video."""
    vid: str
    duration: float
    scene: str
    events: Tuple[TimelineEvent, ...]


def _event(concept: str, a: float, b: float, duration: float) -> TimelineEvent:
    """An event in ``[0, duration]``: an inverted interval is swapped, both
    ends are clipped (an event starting after the video's end becomes an
    empty event at the end)."""
    start, end = (min(max(t, 0.0), duration) for t in sorted((a, b)))
    return TimelineEvent(concept, start, end)


def _read_table(path: str) -> List[List[str]]:
    if not osp.isfile(path):
        raise AnnotationError(path, 'file not found')
    with open(path, encoding='utf-8') as f:
        return [line.split() for line in f if line.strip()]


def charades_concepts(charades_dir: str) -> Dict[str, Tuple[str, str]]:
    """Class id -> (verb name, object name) of the 157 Charades actions.

    Args:
        charades_dir: Folder with ``Charades_v1_{mapping,verbclasses,
            objectclasses}.txt``.

    Returns:
        E.g. ``{'c092': ('put', 'phone/camera')}``; the object is ``''`` for
        the classes mapped to ``o000 None``.
    """
    verbs = {r[0]: ' '.join(r[1:]) for r in
             _read_table(osp.join(charades_dir, 'Charades_v1_verbclasses.txt'))}
    objects = {r[0]: ' '.join(r[1:]) for r in
               _read_table(osp.join(charades_dir, 'Charades_v1_objectclasses.txt'))}
    objects['o000'] = ''
    path = osp.join(charades_dir, 'Charades_v1_mapping.txt')
    concepts = {}
    for lineno, row in enumerate(_read_table(path), start=1):
        if len(row) != 3 or row[1] not in objects or row[2] not in verbs:
            raise AnnotationError(path, f'expected "cXXX oXXX vXXX", got {row}', lineno)
        concepts[row[0]] = (verbs[row[2]], objects[row[1]])
    return concepts


def charades_timelines(csv_paths: Sequence[str],
                       vids: Optional[Sequence[str]] = None) -> List[VideoTimeline]:
    """Timelines of Charades videos from ``Charades_v1_{train,test}.csv``.

    Inverted intervals (``end < start``, a few in the release) are swapped;
    both ends are clipped to ``[0, length]`` (a few events start after the
    video's end: they become empty).

    Args:
        csv_paths: The Charades csv files.
        vids: Keep only these videos (all when ``None``), in csv order.
    """
    keep = None if vids is None else set(vids)
    out = []
    for path in csv_paths:
        if not osp.isfile(path):
            raise AnnotationError(path, 'file not found')
        with open(path, encoding='utf-8', newline='') as f:
            for row in csv.DictReader(f):
                if keep is not None and row['id'] not in keep:
                    continue
                duration = float(row['length'])
                events = []
                for item in filter(None, row['actions'].split(';')):
                    cls, a, b = item.split()
                    events.append(_event(cls, float(a), float(b), duration))
                out.append(VideoTimeline(row['id'], duration, row['scene'] or 'none',
                                         tuple(events)))
    return out


def activitynet_timelines(json_paths: Sequence[str]) -> Tuple[List[VideoTimeline],
                                                              Dict[str, str]]:
    """Timelines of ActivityNet videos; every caption is an event.

    A video listed in several files (``val_1`` and ``val_2`` annotate the
    same videos) gets the union of their events. ActivityNet has no scene
    field: the scene is ``'none'``.

    Returns:
        ``(timelines, concepts)``: concepts map an event id
        (``'<vid>#<file index>#<caption index>'``) to its sentence.
    """
    merged: Dict[str, Tuple[float, List[TimelineEvent]]] = {}
    sentences: Dict[str, str] = {}
    for f_idx, path in enumerate(json_paths):
        if not osp.isfile(path):
            raise AnnotationError(path, 'file not found')
        with open(path, encoding='utf-8') as f:
            raw = json.load(f)
        for vid, item in raw.items():
            duration = float(item['duration'])
            _, events = merged.setdefault(vid, (duration, []))
            for k, ((a, b), sentence) in enumerate(zip(item['timestamps'],
                                                       item['sentences'])):
                key = f'{vid}#{f_idx}#{k}'
                events.append(_event(key, float(a), float(b), duration))
                sentences[key] = sentence
    timelines = [VideoTimeline(vid, d, 'none', tuple(ev))
                 for vid, (d, ev) in merged.items()]
    return timelines, sentences
