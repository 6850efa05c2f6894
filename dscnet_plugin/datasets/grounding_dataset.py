"""Evaluation split: (video, query, ground-truth moment) samples."""
from typing import List

from ..registry import DATASETS
from .base_grounding_dataset import BaseGroundingDataset


@DATASETS.register_module()
class GroundingDataset(BaseGroundingDataset):
    """Test / validation samples; each item is one annotated query.

    Items: ``video_id``, ``duration`` (s), ``query`` (sentence) and
    ``gt_moment`` (``[start, end]`` in seconds, repaired by the reader).
    Never used for training: the training side sees
    :class:`UnpairedVideoDataset` and :class:`QuerySetDataset` only.
    An annotation file without any moment is an error; queries with no
    word of the training vocabulary are warned about when it is built.
    """

    def load_data_list(self) -> List[dict]:
        records = self.read_records()
        self.report_unknown_queries(records)
        return [
            dict(video_id=r.video_id, duration=r.duration, query=r.sentence,
                 gt_moment=[r.start, r.end])
            for r in records
        ]
