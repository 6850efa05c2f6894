"""The records of each annotation file, parsed once per process.

A training file is read by the two unpaired collections, the vocabulary and
the no-video priors; a test file by the dataset and the tools. Keyed by the
reader (class and arguments) and the content of every file it reads, so a
file rewritten in place (even within the same second, with the same size)
is read again, and a repair is logged on the first read only.
"""
import hashlib
from collections import OrderedDict
from typing import Callable, Hashable, List, Optional, Sequence, Tuple

from .moment_record import MomentRecord

#: Files whose records are kept (the least recently used is forgotten).
MAX_FILES = 16
_RECORDS: 'OrderedDict[Hashable, Tuple[MomentRecord, ...]]' = OrderedDict()


def content_key(paths: Sequence[str]) -> Optional[Tuple[Tuple[str, str], ...]]:
    """``((path, BLAKE2 digest of its bytes), ...)``; ``None`` if a file
    cannot be read (the reader then raises its own error)."""
    key = []
    for path in paths:
        try:
            with open(path, 'rb') as f:
                key.append((path, hashlib.blake2b(f.read(), digest_size=16).hexdigest()))
        except OSError:
            return None
    return tuple(key)


def cached_records(key: Optional[Hashable],
                   read: Callable[[], List[MomentRecord]]) -> List[MomentRecord]:
    """The records stored under ``key``, else ``read()`` (stored when
    ``key`` is not ``None``). Returns a new list each time."""
    if key is not None and key in _RECORDS:
        _RECORDS.move_to_end(key)
        return list(_RECORDS[key])
    records = read()
    if key is not None:
        _RECORDS[key] = tuple(records)
        while len(_RECORDS) > MAX_FILES:
            _RECORDS.popitem(last=False)
    return list(records)


def clear_record_cache() -> None:
    """Forget every stored file (the next ``load()`` parses and logs again)."""
    _RECORDS.clear()
