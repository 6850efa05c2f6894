"""Path helpers."""
import os.path as osp
from typing import Optional


def resolve_path(path: str, data_root: Optional[str] = None) -> str:
    """Join a relative ``path`` to ``data_root``; absolute paths stay."""
    path = osp.expanduser(str(path))
    if data_root is None or osp.isabs(path):
        return path
    return osp.join(osp.expanduser(str(data_root)), path)
