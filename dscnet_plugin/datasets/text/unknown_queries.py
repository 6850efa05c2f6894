"""Queries that hold no word of the training vocabulary.

Such a query is encoded as ``<unk>`` tokens only, so the model grounds
nothing in particular: its result means nothing. At test and inference time
each one is warned about and the test set logs their count; a training set
made mostly of them cannot give a vocabulary and is refused.
"""
import logging
from typing import Optional, Sequence

from mmengine.logging import print_log

from ..errors import AnnotationError

#: Queries named one by one in a test set's warnings; the count line counts all.
MAX_NAMED = 10


def warn_unknown_query(query: str, source: Optional[str] = None) -> None:
    """Log the warning for one query with no known word (``source``: the
    ``file:line`` or ``file:id#k`` it comes from, if known)."""
    where = f'{source}: ' if source else ''
    print_log(f'{where}query {query!r} has no word of the training vocabulary '
              '(read as <unk>; its result means nothing)', logger='current',
              level=logging.WARNING)


def report_unknown_queries(unknown: Sequence[int], queries: Sequence[str],
                           sources: Sequence[str], path: str) -> None:
    """Warn about the queries of a dataset that hold no known word.

    The first :data:`MAX_NAMED` are named with their source; one line gives
    the count (nothing is logged when there is none).

    Args:
        unknown: Indices of those queries.
        queries: All queries of the dataset.
        sources: Their ``file:line`` / ``file:id#k`` sources.
        path: The annotation file, named in the count line.
    """
    if not len(unknown):
        return
    for i in unknown[:MAX_NAMED]:
        warn_unknown_query(queries[i], sources[i])
    more = (f'; the first {MAX_NAMED} are named above' if len(unknown) > MAX_NAMED
            else '')
    print_log(f'{path}: {len(unknown)} of {len(queries)} queries have no word of the '
              f'training vocabulary{more}', logger='current', level=logging.WARNING)


def check_training_queries(known: Sequence[bool], path: str,
                           max_unknown_fraction: float) -> None:
    """Refuse a training set whose queries mostly hold no word of the
    vocabulary built from them.

    Args:
        known: Per training query, whether it holds a word of the vocabulary.
        path: The training annotation file, named in the error.
        max_unknown_fraction: Largest allowed fraction of queries without one.

    Raises:
        AnnotationError: when more than ``max_unknown_fraction`` of the
            queries hold no word of the vocabulary (e.g. emoji or
            punctuation only).
    """
    bad = len(known) - sum(known)
    if bad > max_unknown_fraction * len(known):
        raise AnnotationError(path, f'{bad} of {len(known)} training queries hold no '
                              f'word of the vocabulary built from them (at most '
                              f'{max_unknown_fraction:.0%} may, QueryVocabulary.'
                              'max_unknown_fraction): queries must be text with words')
