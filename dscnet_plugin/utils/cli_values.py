"""``--cfg-options KEY=VALUE`` parsed without changing what was written.

mmengine's :class:`~mmengine.config.DictAction` strips every quote at both
ends of a value and removes *every* space in it before it reads numbers,
booleans and lists, so ``data_root=/data/my videos`` becomes
``/data/myvideos``, ``name="1"`` becomes the number 1 and ``x=1_0`` the
number 10 (Python's ``int`` accepts digit separators). :class:`OptionsAction`
reads the same syntax but keeps every value as written, or refuses it with a
message saying how to write it:

- ``KEY="..."`` / ``KEY='...'``: the text inside, verbatim (spaces, commas,
  brackets, digits: no conversion);
- ``KEY=[a, b]`` / ``KEY=(a, b)`` / ``KEY=a,b``: a list / tuple / list; the
  spaces around the elements are layout and dropped, an element keeps the
  spaces inside it (quote an element to keep its surrounding spaces);
- ``None``, ``true`` / ``false`` (any case), plain decimal integers and
  floats (``3``, ``-2``, ``1e-4``, ``.5``, ``inf``, ``nan``): those values;
- anything else: the text, verbatim, spaces inside included.

Refused: leading or trailing spaces around the whole value, an unmatched
quote or bracket, an empty list element, numbers Python's ``int`` /
``float`` would read with another spelling (``1_0``, non-ASCII digits), a
key that is not a dotted name (``data_root =x``) and a key given twice.
"""
import argparse
import re
from typing import Any, Dict, List, Optional, Sequence

_INT = re.compile(r'[+-]?[0-9]+')
_FLOAT = re.compile(r'[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?'
                    r'|[+-]?(?:inf|infinity|nan)', re.IGNORECASE)
_KEY_PART = re.compile(r'[A-Za-z_][A-Za-z0-9_]*|[0-9]+')
_QUOTES = '\'"'
_CLOSING = {'[': ']', '(': ')'}


class OptionValueError(ValueError):
    """A ``--cfg-options`` value that would not be read as written."""


def _split_elements(text: str, whole: str) -> List[str]:
    """Split ``text`` at the commas outside brackets and quoted elements (a
    quote opens a text only at the start of an element: ``it's`` is text)."""
    parts, depth, quote, start, element = [], [], None, 0, 0
    for i, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in _QUOTES and not text[element:i].strip():
            quote = char
        elif char in _CLOSING:
            depth.append(_CLOSING[char])
            element = i + 1
        elif char in ')]':
            if not depth or depth.pop() != char:
                raise OptionValueError(f'{whole!r} has an unmatched {char!r}')
        elif char == ',':
            element = i + 1
            if not depth:
                parts.append(text[start:i])
                start = i + 1
    if quote:
        raise OptionValueError(f'{whole!r} has an unmatched quote {quote}; quote a text '
                               'with a pair of \' or "')
    if depth:
        raise OptionValueError(f'{whole!r} has an unclosed bracket (expected {depth[-1]!r})')
    parts.append(text[start:])
    return parts


def _sequence(inner: str, whole: str) -> List[Any]:
    elements = _split_elements(inner, whole)
    if elements[-1].strip() == '':  # nothing, or a trailing comma: [1, 2,]
        elements.pop()
    if any(e.strip() == '' for e in elements):
        raise OptionValueError(f'{whole!r} has an empty element; remove the extra comma '
                               'or quote an empty text ("")')
    return [_element(e.strip(), whole) for e in elements]


def _scalar(text: str) -> Any:
    if text == 'None':
        return None
    if text.lower() in ('true', 'false'):
        return text.lower() == 'true'
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    for number in (int, float):
        try:
            value = number(text)
        except ValueError:
            continue
        raise OptionValueError(f'{text!r} is not a plain number but Python reads it as '
                               f'{value!r}; write {value!r} for the number or quote it '
                               f'("{text}") for the text')
    return text


def _element(text: str, whole: str) -> Any:
    """One value (stripped); ``whole`` is the option's value, for messages."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in _QUOTES:
        return text[1:-1]
    if text[:1] in _QUOTES or text[-1:] in _QUOTES:
        raise OptionValueError(f'{whole!r} has an unmatched quote; quote a text with a '
                               'pair of \' or "')
    if len(_split_elements(text, whole)) > 1:
        return _sequence(text, whole)
    if text[:1] in _CLOSING and text[-1:] == _CLOSING[text[0]]:
        items = _sequence(text[1:-1], whole)
        return tuple(items) if text[0] == '(' else items
    return _scalar(text)


def parse_option_value(text: str) -> Any:
    """Read the ``VALUE`` of ``KEY=VALUE`` (rules: see the module docstring).

    Raises:
        OptionValueError: a value that would not be read as written.
    """
    if text != text.strip():
        raise OptionValueError(f'{text!r} has leading or trailing spaces; remove them, or '
                               f'quote the value to keep them ("{text}")')
    if text == '':
        raise OptionValueError('the value is empty; write "" for an empty text or None')
    return _element(text, text)


def parse_options(items: Sequence[str],
                  previous: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """``['a.b=1', 'c=x y']`` -> ``{'a.b': 1, 'c': 'x y'}``.

    Raises:
        OptionValueError: naming the option, for a malformed key or value.
    """
    options = dict(previous or {})
    for item in items:
        if '=' not in item:
            raise OptionValueError(f'{item!r} is not KEY=VALUE')
        key, text = item.split('=', 1)
        if not all(_KEY_PART.fullmatch(part) for part in key.split('.')):
            raise OptionValueError(f'{item!r}: the key {key!r} is not a dotted name '
                                   '(letters, digits, _ and .; no spaces around =)')
        try:
            value = parse_option_value(text)
        except OptionValueError as e:
            raise OptionValueError(f'{key}: {e}') from None
        if key in options and options[key] != value:
            raise OptionValueError(f'{key} is given twice ({options[key]!r} and {value!r})')
        options[key] = value
    return options


class OptionsAction(argparse.Action):
    """Drop-in for mmengine's ``DictAction`` (``nargs='+'``) that keeps the
    values as written (see the module docstring); a value it cannot read so
    ends the tool with argparse's usage error."""

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            options = parse_options(values or [], getattr(namespace, self.dest, None))
        except OptionValueError as e:
            raise argparse.ArgumentError(self, str(e)) from None
        setattr(namespace, self.dest, options)
