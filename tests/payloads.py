"""Hostile ``torch.save`` files for the tests of the safe loading path.

* :func:`write_gadget`: ``torch._tensor._rebuild_from_type_v2(getattr(getattr(
  getattr, '__self__'), 'eval'), torch.Tensor, (CODE,), {})``. Every global
  in it (``_rebuild_from_type_v2``, ``torch.Tensor``, ``builtins.getattr``)
  passes a weights-only load that allows plain ``getattr``; CODE then runs.
* :func:`write_system_payload`: the classic ``__reduce__`` ->
  ``os.system(...)``.

Both create ``marker`` when they run; a test asserts it never appears.
"""
import os
from pathlib import Path
from typing import Any, Tuple

import torch


class _Call:
    """Pickles as ``func(*args)`` (a REDUCE of the global ``func``)."""

    def __init__(self, func: Any, args: Tuple) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def gadget(marker: Path) -> _Call:
    """The ``_rebuild_from_type_v2`` + ``getattr`` gadget creating ``marker``."""
    code = f'__import__("pathlib").Path({str(marker)!r}).touch()'
    builtins_module = _Call(getattr, (getattr, '__self__'))
    evaluate = _Call(getattr, (builtins_module, 'eval'))
    return _Call(torch._tensor._rebuild_from_type_v2, (evaluate, torch.Tensor, (code,), {}))


def write_gadget(path: Path, marker: Path) -> Path:
    torch.save({'state_dict': gadget(marker)}, str(path))
    return path


def write_system_payload(path: Path, marker: Path) -> Path:
    torch.save({'state_dict': _Call(os.system, (f'touch {marker}',))}, str(path))
    return path


#: The writer of each payload, by name (``pytest.mark.parametrize`` them).
PAYLOADS = {'gadget': write_gadget, 'system': write_system_payload}
#: What the refusal of each payload names.
REFUSED = {'gadget': "getattr(getattr, '__self__')",
           'system': f'the global {os.system.__module__}.system'}


def refusal(name: str, what: str = 'checkpoint') -> str:
    """The message tail of the refusal of payload ``name`` read as ``what``."""
    return (f'{what} refused: {REFUSED[name]} is not allowed in a {what} '
            '(the file may be crafted to run code)')
