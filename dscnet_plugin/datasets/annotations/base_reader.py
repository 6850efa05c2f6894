"""Base class of annotation readers."""
from abc import ABCMeta, abstractmethod
from typing import List, Optional

from ...utils import resolve_path
from .moment_record import MomentRecord


class BaseAnnotationReader(metaclass=ABCMeta):
    """Reads one annotation file into :class:`MomentRecord` s.

    Readers repair what can be repaired (ends past the duration are clipped,
    empty moments dropped; counted and logged once) and raise an
    :class:`~dscnet_plugin.datasets.errors.AnnotationError` naming the file
    and line or id for everything else.

    Args:
        ann_file: Annotation file, relative to ``data_root`` unless absolute.
        data_root: Root the relative paths are joined to.
    """

    def __init__(self, ann_file: str, data_root: Optional[str] = None) -> None:
        self.data_root = data_root
        self.ann_file = resolve_path(ann_file, data_root)

    @abstractmethod
    def load(self) -> List[MomentRecord]:
        """Read the file; returns the repaired records in file order."""
