"""Vocabulary of the training query set."""
import json
from collections import Counter, OrderedDict
from typing import Dict, Hashable, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ...registry import DATA_SOURCES
from ...utils import build_pinned
from ..annotations import BaseAnnotationReader
from .tokenizer import tokenize
from .unknown_queries import check_training_queries

PAD, UNK = '<pad>', '<unk>'


class Vocabulary:
    """Word <-> index map; index 0 is padding, 1 the unknown word.

    Args:
        words: Words after the two special tokens, in index order.
    """

    def __init__(self, words: Sequence[str]) -> None:
        self.words: List[str] = [PAD, UNK] + [w for w in words if w not in (PAD, UNK)]
        self.index: Dict[str, int] = {w: i for i, w in enumerate(self.words)}

    pad_index = 0
    unk_index = 1

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    @classmethod
    def from_sentences(cls, sentences: Iterable[str], min_freq: int = 1,
                       max_size: Optional[int] = None) -> 'Vocabulary':
        """Build from sentences: words by decreasing count, then alphabetically.

        Args:
            sentences: Raw query sentences.
            min_freq: Words seen fewer times become ``<unk>``.
            max_size: Keep at most this many words (besides the specials).
        """
        counts = Counter(w for s in sentences for w in tokenize(s))
        words = sorted((w for w, n in counts.items() if n >= min_freq),
                       key=lambda w: (-counts[w], w))
        return cls(words[:max_size] if max_size else words)

    def has_known_word(self, sentence: str, max_len: Optional[int] = None) -> bool:
        """Whether one of the first ``max_len`` words (all if ``None``) of
        ``sentence`` is in the vocabulary (is not read as ``<unk>``)."""
        return any(w in self.index for w in tokenize(sentence)[:max_len])

    def encode(self, sentence: str, max_len: int) -> Tuple[np.ndarray, int]:
        """Token ids of ``sentence`` padded / truncated to ``max_len``.

        Returns:
            ``((max_len,) int64 ids, number of real tokens)``. A query with no
            word at all (only punctuation) gets a single ``<unk>`` token.
        """
        ids = [self.index.get(w, self.unk_index) for w in tokenize(sentence)]
        ids = ids[:max_len] or [self.unk_index]
        out = np.full(max_len, self.pad_index, dtype=np.int64)
        out[:len(ids)] = ids
        return out, len(ids)

    def dump(self, path: str) -> None:
        """Write the word list as JSON."""
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(self.words[2:], f)


#: Vocabularies kept, by reader cache key and settings (least recently used forgotten).
MAX_CACHED = 8
_VOCABULARIES: 'OrderedDict[Hashable, Vocabulary]' = OrderedDict()


@DATA_SOURCES.register_module()
def QueryVocabulary(annotation: Union[dict, BaseAnnotationReader], min_freq: int = 1,
                    max_size: Optional[int] = None,
                    max_unknown_fraction: float = 0.5) -> Vocabulary:
    """The vocabulary of the training query set.

    Only the sentences of ``annotation`` are read (no video, no time). The
    result is cached per process by the content of the annotation files
    (see :meth:`~dscnet_plugin.datasets.annotations.BaseAnnotationReader.cache_key`),
    so every transform and model that asks for the same training file shares
    one instance, and a file rewritten in place gets a new one.

    Args:
        annotation: Config of the training annotation reader (or the reader).
        min_freq: Minimum count of a word to get its own index.
        max_size: Optional cap on the number of words.
        max_unknown_fraction: The training set is refused when more than
            this fraction of its queries hold no word of the vocabulary
            (emoji- or punctuation-only queries, or words cut by
            ``min_freq`` / ``max_size``).

    Raises:
        AnnotationError: naming the training annotation file, see
            ``max_unknown_fraction``.
    """
    reader = build_pinned(DATA_SOURCES, annotation)
    records = reader.load()
    key = reader.cache_key()
    key = None if key is None else (key, min_freq, max_size, max_unknown_fraction)
    if key in _VOCABULARIES:
        _VOCABULARIES.move_to_end(key)
        return _VOCABULARIES[key]
    sentences = [r.sentence for r in records]
    vocab = Vocabulary.from_sentences(sentences, min_freq, max_size)
    check_training_queries([vocab.has_known_word(s) for s in sentences], reader.ann_file,
                           max_unknown_fraction)
    if key is not None:
        _VOCABULARIES[key] = vocab
        while len(_VOCABULARIES) > MAX_CACHED:
            _VOCABULARIES.popitem(last=False)
    return vocab
