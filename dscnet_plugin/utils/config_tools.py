"""Helpers the tools apply to configs after ``--cfg-options``."""
import os.path as osp
from typing import Any

from mmengine.config import Config, ConfigDict


def _replace_data_root(node: Any, old: Any, new: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'data_root' and value == old:
                node[key] = new
            else:
                _replace_data_root(value, old, new)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _replace_data_root(value, old, new)
    return node


def propagate_data_root(cfg: Config, original_root: Any) -> Config:
    """Make the top-level ``data_root`` the single field that moves the data.

    mmengine evaluates a config file before ``--cfg-options`` are merged, so
    ``--cfg-options data_root=X`` alone changes only the top-level key. Here
    every nested ``data_root`` that still holds the file's original value
    (readers, generators, datasets) takes the new one.

    Args:
        cfg: The config after ``merge_from_dict``.
        original_root: ``data_root`` as written in the file.

    Returns:
        ``cfg``, changed in place.
    """
    new_root = cfg.get('data_root')
    if new_root is None or new_root == original_root:
        return cfg
    for key in list(cfg.keys()):
        if key == 'data_root':
            continue
        value = cfg[key]
        if isinstance(value, (dict, list, tuple, ConfigDict)):
            _replace_data_root(value, original_root, new_root)
    return cfg


def merge_cli_options(cfg: Config, cfg_options: Any = None) -> Config:
    """Merge ``--cfg-options`` into ``cfg`` and propagate ``data_root``
    (:func:`propagate_data_root`); returns ``cfg``, changed in place."""
    original_root = cfg.get('data_root')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return propagate_data_root(cfg, original_root)


def apply_cli_options(cfg: Config, config_path: str, cfg_options: Any = None,
                      work_dir: Any = None, launcher: str = 'none') -> Config:
    """Apply the options shared by ``tools/train.py`` and ``tools/test.py``.

    ``--cfg-options`` are merged (and ``data_root`` propagated, see
    :func:`propagate_data_root`), the launcher is set, and the work dir is
    ``--work-dir``, else the config's, else ``work_dirs/<config name>``.
    """
    merge_cli_options(cfg, cfg_options)
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])
    return cfg
