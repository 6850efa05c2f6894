"""Readers over the synthetic dataset that generate it on first use."""
import os.path as osp
from typing import List, Union

from ...registry import DATA_SOURCES
from ...utils import build_pinned
from ..annotations import CharadesSTAAnnotation, MomentRecord
from ..text import GloveTextVectors
from .generator import SyntheticGroundingGenerator


def _prepared(generator: Union[dict, SyntheticGroundingGenerator]) -> SyntheticGroundingGenerator:
    generator = build_pinned(DATA_SOURCES, generator)
    generator.prepare()
    return generator


@DATA_SOURCES.register_module()
class SyntheticGroundingAnnotation(CharadesSTAAnnotation):
    """A split of the synthetic dataset, generated if absent, then read by
    the ordinary Charades-STA reader.

    Args:
        split: ``'train'`` or ``'test'``.
        generator: Config of :class:`SyntheticGroundingGenerator`.
    """

    def __init__(self, split: str, generator: Union[dict, SyntheticGroundingGenerator]) -> None:
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        self.generator = generator
        root = generator['data_root'] if isinstance(generator, dict) else generator.data_root
        super().__init__(f'charades_sta_{split}.txt', 'durations.json', data_root=root)

    def load(self) -> List[MomentRecord]:
        _prepared(self.generator)
        return super().load()


@DATA_SOURCES.register_module()
class SyntheticWordVectors(GloveTextVectors):
    """The word vectors of the synthetic dataset (GloVe text format),
    generated if absent.

    Args:
        generator: Config of :class:`SyntheticGroundingGenerator`.
    """

    def __init__(self, generator: Union[dict, SyntheticGroundingGenerator]) -> None:
        self.generator = generator
        gen = build_pinned(DATA_SOURCES, generator)
        super().__init__(osp.join(gen.data_root, gen.word_vector_file))

    def lookup(self, words):
        _prepared(self.generator)
        return super().lookup(words)
