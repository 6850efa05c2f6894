"""Data sample carrying one (video, query) pair and its moments."""
import torch
from mmengine.structures import BaseDataElement


class GroundingDataSample(BaseDataElement):
    """A grounding sample: meta information, ground truth and prediction.

    Meta information (``metainfo``) holds ``video_id``, ``duration``
    (seconds), ``query`` (the raw sentence), ``query_id`` and
    ``sample_idx``. Data fields:

    - ``gt_moment``: ``(2,)`` float tensor, ground-truth (start, end) in
      seconds; present on evaluation samples only.
    - ``gt_windows``: ``K x 2`` float tensor, every ground-truth window in
      seconds (``gt_moment`` is the first); evaluation samples only.
    - ``pred_moments``: ``K x 2`` float tensor, ranked predicted segments in
      seconds, best first.
    - ``pred_scores``: ``(K,)`` float tensor, their scores.
    """

    @property
    def gt_moment(self) -> torch.Tensor:
        return self._gt_moment

    @gt_moment.setter
    def gt_moment(self, value: torch.Tensor) -> None:
        self.set_field(torch.as_tensor(value, dtype=torch.float64),
                       '_gt_moment', dtype=torch.Tensor)

    @gt_moment.deleter
    def gt_moment(self) -> None:
        del self._gt_moment

    @property
    def gt_windows(self) -> torch.Tensor:
        return self._gt_windows

    @gt_windows.setter
    def gt_windows(self, value: torch.Tensor) -> None:
        self.set_field(torch.as_tensor(value, dtype=torch.float64).reshape(-1, 2),
                       '_gt_windows', dtype=torch.Tensor)

    @gt_windows.deleter
    def gt_windows(self) -> None:
        del self._gt_windows

    @property
    def pred_moments(self) -> torch.Tensor:
        return self._pred_moments

    @pred_moments.setter
    def pred_moments(self, value: torch.Tensor) -> None:
        self.set_field(torch.as_tensor(value, dtype=torch.float64),
                       '_pred_moments', dtype=torch.Tensor)

    @pred_moments.deleter
    def pred_moments(self) -> None:
        del self._pred_moments

    @property
    def pred_scores(self) -> torch.Tensor:
        return self._pred_scores

    @pred_scores.setter
    def pred_scores(self, value: torch.Tensor) -> None:
        self.set_field(torch.as_tensor(value, dtype=torch.float64),
                       '_pred_scores', dtype=torch.Tensor)

    @pred_scores.deleter
    def pred_scores(self) -> None:
        del self._pred_scores
