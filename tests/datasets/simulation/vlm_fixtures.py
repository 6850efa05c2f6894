"""Tiny inputs of the ``vlm`` simulator tests: a fake word-vector table and
synthetic timelines with one query per event."""
import zlib
from typing import List, Sequence, Tuple

import numpy as np

from dscnet_plugin.datasets.simulation import TimelineEvent, VideoTimeline
from dscnet_plugin.datasets.annotations import MomentRecord
from dscnet_plugin.datasets.text.word_vectors import BaseWordVectors

#: Concept id -> its words; queries reuse them.
CONCEPTS = {'c0': 'open door', 'c1': 'drink cup', 'c2': 'sit chair', 'c3': 'wash dish'}


class HashWordVectors(BaseWordVectors):
    """Every word found, its vector drawn from a hash of it (``dim``-d); the
    words of ``unknown`` are not found."""

    def __init__(self, dim: int = 8, unknown: Sequence[str] = ()) -> None:
        self.dim, self.unknown = dim, set(unknown)

    def lookup(self, words):
        vecs = np.stack([np.random.default_rng(zlib.crc32(w.encode())).standard_normal(
            self.dim) for w in words]).astype(np.float32) if words else np.zeros(
            (0, self.dim), np.float32)
        found = np.array([w not in self.unknown for w in words], bool)
        vecs[~found] = 0
        return vecs, found


def synthetic(num_videos: int = 24, duration: float = 40.0, seed: int = 0
              ) -> Tuple[List[VideoTimeline], List[MomentRecord]]:
    """Videos with one event each (a random concept, 8-16 s long) and one
    query per event: the concept's words with a leading stop word."""
    rng = np.random.default_rng(seed)
    timelines, rows = [], []
    keys = sorted(CONCEPTS)
    for i in range(num_videos):
        c = keys[i % len(keys)]
        length = float(rng.integers(8, 17))
        start = float(rng.integers(0, int(duration - length)))
        vid = f'vid{i:03d}'
        timelines.append(VideoTimeline(vid, duration, f'scene{i % 3}',
                                       (TimelineEvent(c, start, start + length),)))
        rows.append(MomentRecord(vid, start, start + length, 'the person ' + CONCEPTS[c],
                                 duration))
    return timelines, rows
