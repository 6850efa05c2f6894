"""Base class of annotation readers."""
from abc import ABCMeta, abstractmethod
from typing import Hashable, List, Optional, Sequence

from ...utils import resolve_path
from ..errors import AnnotationError
from .moment_record import MomentRecord
from .record_cache import cached_records, content_key


class BaseAnnotationReader(metaclass=ABCMeta):
    """Reads one annotation file into :class:`MomentRecord` s.

    Readers repair what can be repaired (ends past the duration are clipped,
    empty moments dropped; counted and logged once) and raise an
    :class:`~dscnet_plugin.datasets.errors.AnnotationError` naming the file
    and line or id for everything else. :meth:`load` parses each file once
    per process (see :mod:`.record_cache`): the datasets, the vocabulary
    and the priors that read the same file share one parse and one log line.

    Args:
        ann_file: Annotation file, relative to ``data_root`` unless absolute.
        data_root: Root the relative paths are joined to.
    """

    def __init__(self, ann_file: str, data_root: Optional[str] = None) -> None:
        self.data_root = data_root
        self.ann_file = resolve_path(ann_file, data_root)

    def load(self) -> List[MomentRecord]:
        """The repaired records in file order (parsed on the first call for
        this content, then shared).

        Raises:
            AnnotationError: see :meth:`read`; also when the file holds no
                moment at all, or every one was dropped by the repairs.
        """
        return cached_records(self.cache_key(), self._read_some)

    def _read_some(self) -> List[MomentRecord]:
        records = self.read()
        if not records:
            raise AnnotationError(self.ann_file, 'no moment in this file (it holds none, '
                                  'or the repairs dropped every one)')
        return records

    def input_files(self) -> Sequence[str]:
        """Every file :meth:`read` reads (their content keys the cache)."""
        return (self.ann_file,)

    def cache_key(self) -> Optional[Hashable]:
        """What the records depend on: the reader's class and arguments and
        the content of :meth:`input_files` (``None``: not cacheable)."""
        files = content_key(self.input_files())
        if files is None:
            return None
        args = tuple(sorted((k, repr(v)) for k, v in vars(self).items()))
        return type(self).__module__, type(self).__qualname__, args, files

    @abstractmethod
    def read(self) -> List[MomentRecord]:
        """Parse the file (uncached); returns the repaired records in file
        order and logs the repairs."""
