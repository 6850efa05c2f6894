"""Base of the plugin's datasets: an annotation reader plus a pipeline."""
from typing import List, Sequence, Union

from mmengine.dataset import BaseDataset
from mmengine.registry import DefaultScope

from ..registry import DATA_SOURCES, SCOPE
from ..utils import build_pinned
from .annotations import MomentRecord


class BaseGroundingDataset(BaseDataset):
    """A dataset whose items come from an annotation reader.

    The pipeline is built with the ``dscnet_plugin`` scope pinned, so the
    dataset also builds under another default scope.

    Args:
        annotation: Config of a reader in ``DATA_SOURCES`` (e.g.
            ``CharadesSTAAnnotation``) or a built reader.
        pipeline: Transforms applied to each item.
        **kwargs: Forwarded to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self, annotation: Union[dict, object],
                 pipeline: Sequence = (), **kwargs) -> None:
        self.annotation = annotation
        with DefaultScope.overwrite_default_scope(SCOPE):
            super().__init__(pipeline=list(pipeline), **kwargs)

    def read_records(self) -> List[MomentRecord]:
        """All repaired records of the annotation file."""
        return build_pinned(DATA_SOURCES, self.annotation).load()
