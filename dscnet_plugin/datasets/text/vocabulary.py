"""Vocabulary of the training query set."""
import functools
import json
from collections import Counter
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ...registry import DATA_SOURCES
from ...utils import build_pinned
from .tokenizer import tokenize

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


@functools.lru_cache(maxsize=8)
def _cached_vocabulary(annotation_json: str, min_freq: int,
                       max_size: Optional[int]) -> Vocabulary:
    reader = build_pinned(DATA_SOURCES, json.loads(annotation_json))
    return Vocabulary.from_sentences((r.sentence for r in reader.load()),
                                     min_freq, max_size)


@DATA_SOURCES.register_module()
def QueryVocabulary(annotation: dict, min_freq: int = 1,
                    max_size: Optional[int] = None) -> Vocabulary:
    """The vocabulary of the training query set.

    Only the sentences of ``annotation`` are read (no video, no time). The
    result is cached per process, so every transform and model that asks
    for the same training file shares one instance.

    Args:
        annotation: Config of the training annotation reader.
        min_freq: Minimum count of a word to get its own index.
        max_size: Optional cap on the number of words.
    """
    key = json.dumps(annotation, sort_keys=True, default=str)
    return _cached_vocabulary(key, min_freq, max_size)
