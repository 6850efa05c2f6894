"""Strict parsing of the times and durations held by annotation files."""
import math
import re
from typing import Any

#: A plain decimal or scientific-notation number (ASCII digits only), or a
#: spelled-out NaN / infinity (kept so that the readers' "not finite" errors
#: name them). Python's ``float`` also takes ``'1_0'`` (10) and ``'١٠'``
#: (Arabic-Indic digits); these are refused.
_NUMBER = re.compile(r'[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?'
                     r'|nan|inf|infinity)', re.IGNORECASE)


def parse_seconds(value: Any) -> float:
    """Read one time or duration field as a float.

    Accepted: a ``str`` of a plain decimal or scientific-notation number
    (``'12'``, ``'-1.5'``, ``'.5'``, ``'3.'``, ``'1e3'``; also ``'nan'`` /
    ``'inf'``, which the readers then refuse as not finite), surrounding
    whitespace ignored, and a JSON number (``int`` or ``float``, not
    ``bool``). Integers too large for a float become ``±inf``.

    Args:
        value: The field as read (a ``str`` from text and csv files, any
            JSON value from JSON files).

    Returns:
        The value in seconds (possibly NaN or infinite: the callers check).

    Raises:
        ValueError: for anything else (``'1_0'``, ``'0x2'``, ``'8,5'``,
            ``true``, ``null``, lists, ...); the callers turn it into an
            :class:`~dscnet_plugin.datasets.errors.AnnotationError`.
    """
    if isinstance(value, bool):
        raise ValueError(f'{value!r} is a boolean')
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return float(value)
    raise ValueError(f'{value!r} is not a number')
