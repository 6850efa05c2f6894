"""Reading a JSON object whose keys must be unique."""
import json
from collections import Counter
from typing import Dict, List

from ..errors import AnnotationError


class JSONObject(dict):
    """A decoded JSON object that remembers the keys given more than once
    (``json`` itself keeps the last copy without a word).

    Attributes:
        repeated: ``{key: number of copies}`` of the repeated keys.
    """
    repeated: Dict[str, int] = {}


def _object(pairs: List[tuple]) -> JSONObject:
    obj = JSONObject(pairs)
    if len(obj) != len(pairs):
        counts = Counter(k for k, _ in pairs)
        obj.repeated = {k: n for k, n in counts.items() if n > 1}
    return obj


def decode_json(text: str):
    """``json.loads`` whose objects are :class:`JSONObject` s (check them
    with :func:`repeated_key_error`).

    Raises:
        ValueError: not valid JSON (``json.JSONDecodeError``).
        RecursionError: nested too deep.
    """
    return json.loads(text, object_pairs_hook=_object)


def repeated_key_error(path: str, obj: dict, where=None) -> None:
    """Raise if ``obj`` (a nested object of a :func:`load_json_object`
    result) held a key twice.

    Raises:
        AnnotationError: naming ``path``, ``where`` and the first repeated key.
    """
    repeated = getattr(obj, 'repeated', {})
    if repeated:
        key, n = next(iter(repeated.items()))
        raise AnnotationError(path, f'key {key!r} is given {n} times in one object '
                              '(JSON keeps only the last copy)', where)


def load_json_object(path: str, expected: str) -> dict:
    """Parse a JSON file whose top level is an object with unique keys.

    Every nested object is a :class:`JSONObject`; check it with
    :func:`repeated_key_error` where its keys matter.

    Args:
        path: The file (UTF-8).
        expected: What the object should look like, for the error message
            (e.g. ``'{video_id: seconds}'``).

    Raises:
        AnnotationError: the file is not UTF-8 or not JSON (the decoder's
            position is given), its top level is not an object, or a
            top-level key (a video id) appears more than once.
    """
    try:
        with open(path, encoding='utf-8') as f:
            raw = json.load(f, object_pairs_hook=_object)
    except (ValueError, RecursionError) as e:  # also UnicodeDecodeError, JSONDecodeError
        raise AnnotationError(path, f'not valid JSON: {e}') from None
    except OSError as e:
        raise AnnotationError(path, f'cannot be read: {e.strerror or e}') from None
    if not isinstance(raw, dict):
        raise AnnotationError(path, f'expected a JSON object {expected}')
    if raw.repeated:
        vid, n = next(iter(raw.repeated.items()))
        raise AnnotationError(path, f'video id given {n} times (JSON keeps only the '
                              'last copy; merge or rename them)', vid)
    return raw
