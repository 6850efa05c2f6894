"""Shared fixtures of the data-layer tests: tiny annotation files in ``tmp_path``.

Helpers are exposed as fixtures (factory fixtures where they take arguments),
so test modules never import this file.
"""
import json
from pathlib import Path
from typing import Callable, Dict, Iterable, Optional, Sequence

import pytest

#: A tiny, valid Charades-STA training split (no repair needed).
CHARADES_LINES = (
    'v2 1.0 4.0##Person opens the door.',
    'v1 0.0 2.5##a person is holding a cup.',
    'v3 2.0 5.0##Someone sits on the bed.',
    'v1 3.0 7.5##Person drinks from the cup.',
    'v2 5.5 9.0##Person opens the door.',
)
#: Durations (seconds) of the videos of :data:`CHARADES_LINES`.
CHARADES_DURATIONS = {'v1': 8.0, 'v2': 10.0, 'v3': 6.0}


@pytest.fixture
def charades_lines() -> Sequence[str]:
    """The lines of the tiny Charades-STA split."""
    return CHARADES_LINES


@pytest.fixture
def charades_durations() -> Dict[str, float]:
    """The durations of the tiny Charades-STA split."""
    return dict(CHARADES_DURATIONS)


@pytest.fixture
def write_charades(tmp_path) -> Callable[..., dict]:
    """Factory: write a Charades-STA file and ``durations.json``.

    ``write_charades(lines=None, durations=None, name=..., root=None)``
    writes under ``root`` (default ``tmp_path``) and returns the reader
    config, whose paths are relative to its ``data_root``.
    """

    def write(lines: Optional[Iterable[str]] = None,
              durations: Optional[Dict[str, float]] = None,
              name: str = 'charades_sta_train.txt',
              root: Optional[Path] = None) -> dict:
        root = Path(root or tmp_path)
        root.mkdir(parents=True, exist_ok=True)
        lines = CHARADES_LINES if lines is None else lines
        durations = CHARADES_DURATIONS if durations is None else durations
        (root / name).write_text(''.join(f'{line}\n' for line in lines),
                                 encoding='utf-8')
        (root / 'durations.json').write_text(json.dumps(durations),
                                             encoding='utf-8')
        return dict(type='CharadesSTAAnnotation', ann_file=name,
                    duration_file='durations.json', data_root=str(root))

    return write


@pytest.fixture
def charades_cfg(write_charades) -> dict:
    """Config of a ``CharadesSTAAnnotation`` over :data:`CHARADES_LINES`."""
    return write_charades()
