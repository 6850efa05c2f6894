"""Evaluation split: (video, query, ground-truth moment) samples."""
from typing import List

from ..registry import DATASETS
from .annotations import require_ground_truth
from .base_grounding_dataset import BaseGroundingDataset


@DATASETS.register_module()
class GroundingDataset(BaseGroundingDataset):
    """Test / validation samples; each item is one annotated query.

    Items: ``video_id``, ``duration`` (s), ``query`` (sentence),
    ``query_id`` (str), ``gt_moment`` (``[start, end]`` in seconds, the
    first ground-truth window, repaired by the reader) and ``gt_windows``
    (``K x 2`` seconds, every window; ``K = 1`` for the formats with one
    moment a query). Records without ground truth (a test release read
    with ``require_windows=False``) are refused: nothing could be evaluated.
    Never used for training: the training side sees
    :class:`UnpairedVideoDataset` and :class:`QuerySetDataset` only.
    An annotation file without any moment is an error; queries with no
    word of the training vocabulary are warned about when it is built.
    """

    def load_data_list(self) -> List[dict]:
        records = self.read_records()
        require_ground_truth(records, self.ann_file, 'a GroundingDataset (evaluation)')
        self.report_unknown_queries(records)
        return [
            dict(video_id=r.video_id, duration=r.duration, query=r.sentence,
                 query_id=r.query_id, gt_moment=[r.start, r.end],
                 gt_windows=[list(w) for w in r.windows])
            for r in records
        ]
