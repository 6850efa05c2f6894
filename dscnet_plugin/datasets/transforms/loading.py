"""Load and resample video features; load query features; tokenize queries."""
from typing import Sequence, Set, Union

import numpy as np

from ...registry import DATA_SOURCES, TRANSFORMS
from ...utils import build_pinned
from ..features import resample_features
from ..text import Vocabulary, report_unknown_queries, warn_unknown_query
from .base_transform import BaseTransform


@TRANSFORMS.register_module()
class LoadVideoFeatures(BaseTransform):
    """Read ``results['video_id']``'s features into ``results['video_feature']``
    (``T0 x D`` float32) and ``results['num_source_frames']`` (``T0``).

    Args:
        reader: Config of a feature reader in ``DATA_SOURCES`` (e.g.
            ``dict(type='VideoFeatures', path=...)``) or a built reader. Built
            lazily in the process that uses it.
    """

    def __init__(self, reader: Union[dict, object]) -> None:
        self.reader = reader
        self._reader = None

    def transform(self, results: dict) -> dict:
        if self._reader is None:
            self._reader = build_pinned(DATA_SOURCES, self.reader)
        feats = self._reader[results['video_id']]
        results['video_feature'] = feats
        results['num_source_frames'] = int(feats.shape[0])
        return results


@TRANSFORMS.register_module()
class LoadQueryFeatures(BaseTransform):
    """Read ``results['query_id']``'s precomputed feature into
    ``results['query_feature']`` (``(D,)`` float32, as stored: not
    normalised).

    A ``(D,)`` feature (``pooler_output``) is kept; an ``L x D`` one
    (``last_hidden_state``) is pooled over its ``L`` tokens.

    Args:
        reader: Config of a query feature reader in ``DATA_SOURCES`` (e.g.
            ``dict(type='QueryFeatures', path=...)``) or a built reader.
            Built lazily in the process that uses it.
        pool: ``'mean'`` or ``'max'`` over the tokens of an ``L x D`` feature.
    """

    POOLS = ('mean', 'max')

    def __init__(self, reader: Union[dict, object], pool: str = 'mean') -> None:
        if pool not in self.POOLS:
            raise ValueError(f'pool must be one of {self.POOLS}, got {pool!r}')
        self.reader = reader
        self.pool = pool
        self._reader = None

    def transform(self, results: dict) -> dict:
        if self._reader is None:
            self._reader = build_pinned(DATA_SOURCES, self.reader)
        feature = self._reader[results['query_id']]
        if feature.ndim == 2:
            feature = feature.mean(axis=0) if self.pool == 'mean' else feature.max(axis=0)
        results['query_feature'] = np.ascontiguousarray(feature, dtype=np.float32)
        return results


@TRANSFORMS.register_module()
class ResampleFeatures(BaseTransform):
    """Bring ``video_feature`` to ``num_frames x D`` and add ``video_mask``.

    Args:
        num_frames: Fixed length ``T`` (paper: 128 Charades-STA, 256
            ActivityNet Captions).
        short_mode: ``'interpolate'`` or ``'pad'`` for shorter sequences
            (see :func:`~dscnet_plugin.datasets.features.resample_features`).
    """

    def __init__(self, num_frames: int, short_mode: str = 'interpolate') -> None:
        self.num_frames = num_frames
        self.short_mode = short_mode

    def transform(self, results: dict) -> dict:
        feats, mask = resample_features(results['video_feature'], self.num_frames,
                                        self.short_mode)
        results['video_feature'] = feats
        results['video_mask'] = mask
        return results


@TRANSFORMS.register_module()
class TokenizeQuery(BaseTransform):
    """Encode ``results['query']`` into ``query_tokens`` (``(L,)`` int64) and
    ``query_mask`` (``(L,)`` bool).

    A query none of whose first ``L`` words is in the vocabulary (emoji or
    punctuation only, or words never seen in training) is encoded as
    ``<unk>`` only; it is warned about once. Datasets check all their
    queries up front with :meth:`report_unknown` (then, naming the file and
    line of each).

    Args:
        vocab: Config of the vocabulary (``dict(type='QueryVocabulary',
            annotation=<training reader>)``) or a built one.
        max_len: Fixed query length ``L`` (paper: 10 Charades-STA, 20
            ActivityNet Captions).
    """

    def __init__(self, vocab: Union[dict, object], max_len: int) -> None:
        self.vocab = vocab
        self.max_len = max_len
        self._vocab = None
        self._warned: Set[str] = set()

    @property
    def vocabulary(self) -> Vocabulary:
        """The built vocabulary (built on first use, in the process using it)."""
        if self._vocab is None:
            self._vocab = build_pinned(DATA_SOURCES, self.vocab)
        return self._vocab

    def knows(self, query: str) -> bool:
        """Whether one of the first ``max_len`` words of ``query`` is in the
        vocabulary."""
        return self.vocabulary.has_known_word(query, self.max_len)

    def report_unknown(self, queries: Sequence[str], sources: Sequence[str],
                       path: str) -> None:
        """Warn about the queries of a dataset with no known word and log
        their count (see :func:`~dscnet_plugin.datasets.text.report_unknown_queries`);
        they are not warned about again when transformed."""
        unknown = [i for i, q in enumerate(queries) if not self.knows(q)]
        report_unknown_queries(unknown, queries, sources, path)
        self._warned.update(queries[i] for i in unknown)

    def transform(self, results: dict) -> dict:
        vocab = self.vocabulary
        query = results['query']
        if query not in self._warned and not self.knows(query):
            warn_unknown_query(query)
            self._warned.add(query)
        tokens, length = vocab.encode(query, self.max_len)
        results['query_tokens'] = tokens
        results['query_mask'] = tokens != vocab.pad_index
        results['query_length'] = length
        return results
