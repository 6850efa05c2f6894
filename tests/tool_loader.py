"""Import a script of ``tools/`` (not a package) as a module in tests."""
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Optional

REPO = Path(__file__).resolve().parents[1]


def load_tool(path: str, name: Optional[str] = None, register: bool = False) -> ModuleType:
    """Execute ``REPO/path`` as a module.

    Args:
        path: Script path relative to the repository root, e.g.
            ``'tools/data/simulate_features.py'``.
        name: Module name (default ``_tool_<file stem>``).
        register: Put the module in ``sys.modules`` before running it (for
            dataclasses and pickling, which look their module up by name).
    """
    name = name or f'_tool_{Path(path).stem}'
    spec = importlib.util.spec_from_file_location(name, REPO / path)
    module = importlib.util.module_from_spec(spec)
    if register:
        sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
