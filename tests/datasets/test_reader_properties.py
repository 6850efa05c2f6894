"""Property-based tests of the annotation and feature readers (hypothesis).

Generated Charades-STA lines (with csv or JSON durations), ActivityNet
Captions JSON records and feature arrays (every numpy dtype family, ranks 0
to 3, empty sides, NaN / Inf / huge values) are written to files and read
through the public readers. Each generator also computes, independently of
the package, what the reader must do: the exact records (or arrays) after the
documented repairs, or that the file is invalid. The property: a valid input
loads to exactly those values, an invalid one raises the package's own error
(``AnnotationError`` / ``FeatureError``), and nothing else is ever raised.

Every example gets fresh files in a new temporary folder. ``derandomize``
keeps the examples the same from run to run.
"""
import csv
import io
import json
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Tuple, Type

import h5py
import numpy as np
import torch
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dscnet_plugin.datasets import (ActivityNetCaptionsAnnotation, AnnotationError,
                                    CharadesSTAAnnotation, FeatureError, VideoFeatures)

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.filter_too_much])

#: ``(text, value)``: a field and the float it holds; ``value`` is ``None``
#: when the field must make the file an error (not a number in the strict
#: grammar, or not finite).
Token = Tuple[str, Optional[float]]

# ------------------------------------------------------------- numbers
_FORMATS = (repr, '{:.2f}'.format, '{:e}'.format, '{:.3E}'.format, '{:+.1f}'.format,
            lambda v: repr(v).rstrip('0'))  # '3.' style
_SPECIAL_VALID = ('.5', '3.', '+2', '-0', '0', '1e1', '0.0e-0', '007', '1E+2')
#: Fields ``float()`` reads (or that become non-finite) but a file must not hold.
BAD_NUMBERS = ('1_0', '٣', '８', '१२', '²', '½', '0x10', '1e', 'e1', '.', '+', '-', '',
               '1.2.3', '1,5', 'ten', 'nan', 'NaN', '-inf', 'Infinity', '1e400', '--1',
               '1e+', '١.٥', '2 3', '1__0', 'inf5')


def _formatted(limit: float) -> st.SearchStrategy:
    value = st.floats(-limit / 10, limit, allow_nan=False, allow_infinity=False, width=32)
    return st.one_of(st.builds(lambda v, f: f(float(v)), value, st.sampled_from(_FORMATS)),
                     st.integers(-5, int(limit)).map(str), st.sampled_from(_SPECIAL_VALID))


def number_token(dirty: bool, limit: float = 400.0) -> st.SearchStrategy:
    """A field holding a number in ``[-limit / 10, limit]``, or (in a
    ``dirty`` file, 1 time in 8) one of :data:`BAD_NUMBERS`."""
    good = _formatted(limit).map(lambda t: (t, float(t)))
    wrong = st.sampled_from(BAD_NUMBERS).map(lambda t: (t, None))
    return st.integers(0, 7).flatmap(lambda i: wrong if i == 0 else good) if dirty else good


def duration_token(dirty: bool) -> st.SearchStrategy:
    """A duration field: positive and finite, or (in a ``dirty`` file) maybe
    zero, negative or bad (then the value is ``None``)."""
    good = st.floats(0.5, 300.0, width=32).flatmap(
        lambda v: st.sampled_from(_FORMATS).map(lambda f: f(float(v)))
    ).filter(lambda t: float(t) > 0).map(lambda t: (t, float(t)))
    if not dirty:
        return good
    return st.one_of(good, number_token(True, 300.0).map(
        lambda t: t if t[1] is None or t[1] > 0 else (t[0], None)))


def rarely(draw, dirty: bool, one_in: int = 8) -> bool:
    """Whether to break something in a ``dirty`` file (1 time in ``one_in``)."""
    return dirty and draw(st.integers(1, one_in)) == 1


#: Video ids: no whitespace (it separates the fields), any other character.
VIDEO_ID = st.text(st.characters(blacklist_categories=('Zs', 'Zl', 'Zp', 'Cc', 'Cs')),
                   min_size=1, max_size=4)
#: Sentences: one line (no ``\n``), anything else, possibly blank.
SENTENCE = st.text(st.characters(blacklist_characters='\n', blacklist_categories=('Cs',)),
                   max_size=10)
#: Sentences with at least one character that is not whitespace.
WORDS = SENTENCE.filter(str.strip)


@contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def repaired(start: float, end: float, duration: float) -> Optional[Tuple[float, float]]:
    """The documented repair: clip into ``[0, duration]``, drop if empty."""
    start, end = max(start, 0.0), min(end, duration)
    return (start, end) if start < end else None


def attempt(read: Callable[[], Any], expected: Any, error: Type[Exception],
            what: str) -> Any:
    """``read()``, which must raise ``error`` when ``expected`` is ``None``
    and succeed otherwise (any other exception fails the test); returns its
    result (``None`` after the error). Counts the outcomes as events."""
    try:
        result = read()
    except error as e:
        note(f'{what} refused: {e}')
        event(f'{what} refused')
        assert expected is None, f'{what}: a valid input was refused: {e}'
        return None
    event(f'{what} loaded')
    assert expected is not None, f'{what}: an invalid input was read: {result!r}'
    return result


def check_load(load: Callable[[], list], expected: Optional[list]) -> None:
    """``load()`` gives ``expected`` exactly, or an ``AnnotationError`` when
    ``expected`` is ``None``."""
    records = attempt(load, expected, AnnotationError, 'file')
    if records is not None:
        assert [(r.video_id, r.start, r.end, r.sentence, r.duration, r.source)
                for r in records] == expected


def _json_number(token: Token, draw) -> Tuple[str, Optional[float]]:
    """A number field as JSON text: a JSON number (3 times in 4, when it is
    finite) or a numeric string."""
    text, value = token
    if value is not None and draw(st.integers(0, 3)):
        return json.dumps(value), value
    return json.dumps(text), value


# ------------------------------------------------------------ Charades-STA
@st.composite
def charades_files(draw):
    """``(annotation bytes, durations bytes, duration file name, oracle)``;
    ``oracle(path)`` gives the expected record tuples, or ``None``. Half the
    files are ``dirty``: a few of their parts are broken."""
    dirty = draw(st.booleans())
    vids = draw(st.lists(VIDEO_ID, min_size=1, max_size=3, unique=True))
    durations = {v: draw(duration_token(dirty)) for v in vids}
    ok = all(d[1] is not None for d in durations.values())
    if draw(st.booleans()):
        buf = io.StringIO(newline='')
        writer = csv.writer(buf)
        writer.writerow(['id', 'length'])
        rows = [(v, d[0]) for v, d in durations.items()]
        if rarely(draw, dirty):  # a video listed twice
            rows.append(rows[0])
            ok = False
        writer.writerows(rows)
        dur_bytes, dur_name = buf.getvalue().encode('utf-8'), 'durations.csv'
    else:
        items = [(v, _json_number(d, draw)[0]) for v, d in durations.items()]
        if rarely(draw, dirty):  # a video given twice
            items.append(items[0])
            ok = False
        if rarely(draw, dirty):
            items.append(('extra', draw(st.sampled_from(BAD_JSON))))
            ok = False
        dur_bytes = ('{' + ', '.join(f'{json.dumps(v)}: {t}' for v, t in items)
                     + '}').encode('utf-8')
        dur_name = 'durations.json'

    lines, expected = [], []
    for lineno in range(1, draw(st.integers(0 if dirty else 1, 6)) + 1):
        if draw(st.integers(0, 7)) == 0:
            lines.append(draw(st.sampled_from(['', ' ', '\t', '\r'])))  # skipped
            continue
        if rarely(draw, dirty):
            lines.append(draw(st.sampled_from(['no hash here', 'a 1##x', 'a 1 2 3##x',
                                               'a 1 2##', 'a 1 2##  \t', '##x'])))
            ok = False
            continue
        vid = draw(st.sampled_from(vids + ['unknown'] if dirty else vids))
        start, end = draw(number_token(dirty)), draw(number_token(dirty))
        sentence = draw(SENTENCE if dirty else WORDS)
        sep = draw(st.sampled_from([' ', '  ', '\t']))
        lines.append(f'{draw(st.sampled_from(["", " "]))}{vid}{sep}{start[0]}{sep}'
                     f'{end[0]}##{sentence}{draw(st.sampled_from(["", chr(13)]))}')
        if (vid not in durations or '##' in vid or start[1] is None or end[1] is None
                or not sentence.strip()):
            ok = False
        elif ok:
            fixed = repaired(start[1], end[1], durations[vid][1])
            if fixed:
                expected.append((vid, *fixed, sentence.strip(), durations[vid][1], lineno))
    text = ''.join(f'{line}\n' for line in lines).encode('utf-8')

    def oracle(path: str) -> Optional[list]:
        if not ok or not expected:
            return None
        return [(*e[:5], f'{path}:{e[5]}') for e in expected]

    return text, dur_bytes, dur_name, oracle


@PROPERTY
@given(charades_files())
def test_charades_sta_lines(files):
    text, dur_bytes, dur_name, oracle = files
    with folder() as root:
        (root / 'ann.txt').write_bytes(text)
        (root / dur_name).write_bytes(dur_bytes)
        reader = CharadesSTAAnnotation('ann.txt', dur_name, data_root=str(root))
        check_load(reader.load, oracle(reader.ann_file))


# ------------------------------------------------------ ActivityNet Captions
#: JSON texts that are no number of seconds (``float()`` reads some of them).
BAD_JSON = ('1' + '0' * 400, '-1' + '0' * 400, 'true', 'false', 'null', '[]', '{}',
            '"1_0"', 'NaN', '-Infinity', '1e400', '1' + '0' * 5000)


@st.composite
def activitynet_files(draw):
    """``(JSON bytes, oracle)``; ``oracle(path)`` gives the expected record
    tuples, or ``None``. Half the files are ``dirty``."""
    dirty = draw(st.booleans())
    vids = draw(st.lists(VIDEO_ID, min_size=0 if dirty else 1, max_size=3, unique=True))
    ok, expected, entries = True, [], []
    for vid in vids:
        d_text, duration = _json_number(draw(duration_token(dirty)), draw)
        if rarely(draw, dirty, 3):
            d_text, duration = draw(st.sampled_from(BAD_JSON)), None
        ok &= duration is not None
        n = draw(st.integers(0 if dirty else 1, 3))
        stamps, stamp_texts = [], []
        for _ in range(n):
            pair = [_json_number(draw(number_token(dirty)), draw) for _ in range(2)]
            if rarely(draw, dirty):
                stamp_texts.append(draw(st.sampled_from(
                    ['"14"', '[1]', '[1, 2, 3]', '[true, 1]', 'null', '{"a": 1}',
                     f'[0, 1{"0" * 400}]'])))
                ok = False
            else:
                stamp_texts.append(f'[{pair[0][0]}, {pair[1][0]}]')
                ok &= pair[0][1] is not None and pair[1][1] is not None
            stamps.append((pair[0][1], pair[1][1]))
        sentences = [draw(SENTENCE if dirty else WORDS) for _ in range(n)]
        sentence_texts = [json.dumps(s) for s in sentences]
        if n and rarely(draw, dirty):
            sentence_texts[0], sentences[0] = 'null', ''
        if rarely(draw, dirty):  # one sentence too many
            sentence_texts.append('"extra"')
            ok = False
        ok &= all(s.strip() for s in sentences)
        fields = [('duration', d_text), ('timestamps', f'[{", ".join(stamp_texts)}]'),
                  ('sentences', f'[{", ".join(sentence_texts)}]')]
        if rarely(draw, dirty):
            fields.pop(draw(st.integers(0, 2)))  # a missing key
            ok = False
        if rarely(draw, dirty):
            fields.append(fields[0])  # a key given twice
            ok = False
        entries.append((vid, '{' + ', '.join(f'"{k}": {v}' for k, v in fields) + '}'))
        if ok:
            for k, ((start, end), sentence) in enumerate(zip(stamps, sentences)):
                fixed = repaired(start, end, duration)
                if fixed:
                    expected.append((vid, *fixed, sentence.strip(), duration, k))
    if entries and rarely(draw, dirty):  # a video given twice
        entries.append(entries[0])
        ok = False
    text = ('{' + ', '.join(f'{json.dumps(v)}: {e}' for v, e in entries) + '}')
    if rarely(draw, dirty, 16):
        text, ok = draw(st.sampled_from(['[]', '"x"', '{"a": ', '[' * 100000])), False

    def oracle(path: str) -> Optional[list]:
        if not ok or not expected:
            return None
        return [(*e[:5], f'{path}:{e[0]}#{e[5]}') for e in expected]

    return text.encode('utf-8'), oracle


@PROPERTY
@given(activitynet_files())
def test_activitynet_records(files):
    text, oracle = files
    with folder() as root:
        (root / 'ann.json').write_bytes(text)
        reader = ActivityNetCaptionsAnnotation('ann.json', data_root=str(root))
        check_load(reader.load, oracle(reader.ann_file))


# ---------------------------------------------------------------- features
DTYPES = ('float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8',
          'uint16', 'uint32', 'uint64', 'bool', 'complex64', 'complex128')
FLOAT32_MAX = float(np.finfo(np.float32).max)


def feature_arrays() -> st.SearchStrategy:
    """Arrays of every dtype family, ranks 0-3 with empty sides, and (for
    floats) NaN, Inf and values beyond the float32 range."""
    return st.sampled_from(DTYPES).flatmap(lambda dtype: hnp.arrays(
        dtype, st.integers(0, 3).flatmap(
            lambda i: hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
            if i == 0 else st.tuples(st.integers(0, 5), st.integers(0, 4)))))


def expected_feature(array: np.ndarray, dim: Optional[int]) -> Optional[np.ndarray]:
    """What the reader must return (``None``: a FeatureError)."""
    if array.ndim != 2 or 0 in array.shape or (dim is not None and array.shape[1] != dim):
        return None
    if array.dtype.kind not in 'fiu':
        return None
    if array.dtype.kind == 'f' and (not np.isfinite(array).all()
                                    or np.abs(array.astype(np.float64)).max() > FLOAT32_MAX):
        return None
    return array.astype(np.float32)


def write_features(root: Path, layout: str, arrays: dict) -> str:
    """Write ``{vid: array}`` in ``layout``; returns the reader's path."""
    if layout in ('npy', 'pt'):
        out = root / 'feats'
        out.mkdir()
        for vid, array in arrays.items():
            if layout == 'npy':
                np.save(out / f'{vid}.npy', array)
            else:
                torch.save(torch.from_numpy(np.ascontiguousarray(array)), out / f'{vid}.pt')
        return str(out)
    out = root / 'feats.h5'
    with h5py.File(out, 'w') as f:
        for vid, array in arrays.items():
            if layout == 'h5':
                f.create_dataset(vid, data=array)
            else:
                f.create_group(vid).create_dataset('c3d_features', data=array)
    return str(out)


@PROPERTY
@given(layout=st.sampled_from(['npy', 'pt', 'h5', 'h5-nested']),
       first=feature_arrays(), second=feature_arrays(),
       feature_dim=st.one_of(st.none(), st.none(), st.integers(1, 4)))
def test_feature_arrays(layout, first, second, feature_dim):
    with folder() as root:
        path = write_features(root, layout, {'v1': first, 'v2': second})
        reader = VideoFeatures(path, feature_dim=feature_dim)
        dim = feature_dim
        for vid, array in (('v1', first), ('v2', second)):
            expected = expected_feature(array, dim)
            got = attempt(lambda: reader[vid], expected, FeatureError, 'video')
            if got is not None:
                assert got.dtype == np.float32
                np.testing.assert_array_equal(got, expected)
                dim = got.shape[1] if dim is None else dim
