"""Base of the plugin's datasets: an annotation reader plus a pipeline."""
from typing import List, Mapping, Sequence, Union

from mmengine.dataset import BaseDataset
from mmengine.registry import DefaultScope

from ..registry import DATA_SOURCES, SCOPE
from ..utils import build_pinned, pipeline_steps
from .annotations import MomentRecord
from .transforms import TokenizeQuery


class BaseGroundingDataset(BaseDataset):
    """A dataset whose items come from an annotation reader.

    The pipeline is built with the ``dscnet_plugin`` scope pinned, so the
    dataset also builds under another default scope.

    Args:
        annotation: Config of a reader in ``DATA_SOURCES`` (e.g.
            ``CharadesSTAAnnotation``) or a built reader.
        pipeline: Transforms applied to each item: a list, or a dict of
            named steps run in order (see :mod:`dscnet_plugin.utils.pipeline_steps`).
        **kwargs: Forwarded to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self, annotation: Union[dict, object],
                 pipeline: Union[Sequence, Mapping] = (), **kwargs) -> None:
        self.annotation = annotation
        with DefaultScope.overwrite_default_scope(SCOPE):
            super().__init__(pipeline=pipeline_steps(pipeline), **kwargs)

    def read_records(self) -> List[MomentRecord]:
        """All repaired records of the annotation file (at least one; the
        file is parsed once per process)."""
        reader = build_pinned(DATA_SOURCES, self.annotation)
        self.ann_file = reader.ann_file
        return reader.load()

    def report_unknown_queries(self, records: Sequence[MomentRecord]) -> None:
        """Warn about the queries with no word of the vocabulary of the
        pipeline's ``TokenizeQuery`` (if any), with their count in one line
        naming the annotation file (see :meth:`TokenizeQuery.report_unknown`)."""
        for step in self.pipeline.transforms:
            if isinstance(step, TokenizeQuery):
                step.report_unknown([r.sentence for r in records],
                                    [r.source for r in records], self.ann_file)
