"""The two unpaired training collections of the unsupervised protocol.

Training reads videos (features only) and the set of all training queries
(text only). The annotation file is read once and immediately projected on
the allowed fields, so no item of either collection holds a timestamp or a
link between a query and a video; queries are sorted by their text, so not
even the order of the file survives.
"""
from typing import List

from ..registry import DATASETS
from .base_grounding_dataset import BaseGroundingDataset

#: Fields that carry boundary information; training items never hold them.
BOUNDARY_FIELDS = ('gt_moment', 'gt_windows', 'windows', 'start', 'end', 'timestamps',
                   'moment')
#: Fields of a video item; a query item holds none of them.
VIDEO_FIELDS = ('video_id', 'duration', 'video_index')
#: Fields of a query item; a video item holds none of them.
QUERY_FIELDS = ('query', 'query_id', 'query_index')


@DATASETS.register_module()
class UnpairedVideoDataset(BaseGroundingDataset):
    """Training videos: one item per distinct video of the annotation file.

    Items: ``video_id``, ``duration`` (s) and ``video_index`` (position in
    the sorted id list; pseudo-label banks are indexed by it).
    """

    def load_data_list(self) -> List[dict]:
        durations = {r.video_id: r.duration for r in self.read_records()}
        return [dict(video_id=vid, duration=durations[vid], video_index=i)
                for i, vid in enumerate(sorted(durations))]


@DATASETS.register_module()
class QuerySetDataset(BaseGroundingDataset):
    """Training queries: every training sentence (duplicates kept, since
    their frequency is information about the query set), sorted by text.

    Items: ``query`` (the sentence), ``query_id`` (the record's id, which
    keys precomputed query features; see
    :class:`~dscnet_plugin.datasets.annotations.MomentRecord`) and
    ``query_index`` (position in the sorted list). Equal sentences are
    ordered by their id. Queries with no
    word of the vocabulary are warned about when it is built (a training set
    made mostly of them is refused by ``QueryVocabulary``).
    """

    def load_data_list(self) -> List[dict]:
        records = self.read_records()
        self.report_unknown_queries(records)
        queries = sorted((r.sentence, r.query_id) for r in records)
        return [dict(query=s, query_id=q, query_index=i)
                for i, (s, q) in enumerate(queries)]
