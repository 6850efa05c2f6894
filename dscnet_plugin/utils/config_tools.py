"""Helpers the tools apply to configs after ``--cfg-options``."""
import copy
import os.path as osp
from typing import Any, Dict, Iterator

from mmengine.config import Config, ConfigDict

from .option_keys import check_option_keys


def walk_dicts(node: Any) -> Iterator[dict]:
    """Every dict nested anywhere in ``node`` (``node`` included)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk_dicts(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from walk_dicts(value)


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


def _replace_equal(node: Any, old: dict, new: dict) -> Any:
    """Replace every dict in ``node`` equal to ``old`` by a copy of ``new``."""
    items = node.items() if isinstance(node, dict) else (
        enumerate(node) if isinstance(node, list) else ())
    for key, value in list(items):
        if isinstance(value, dict) and value == old:
            node[key] = copy.deepcopy(new)
        else:
            _replace_equal(value, old, new)
    return node


# Fields the Runner reads itself: never treated as variables to propagate
# (``val_dataloader = test_dataloader`` must not make a change of one move both).
RUNNER_FIELDS = frozenset({
    'model', 'optim_wrapper', 'param_scheduler', 'default_hooks', 'custom_hooks',
    'env_cfg', 'visualizer', 'log_processor', 'model_wrapper_cfg', 'train_cfg',
    'val_cfg', 'test_cfg', 'train_dataloader', 'val_dataloader', 'test_dataloader',
    'val_evaluator', 'test_evaluator', 'auto_scale_lr', 'resume', 'load_from'})


def propagate_variables(cfg: Config, originals: Dict[str, dict]) -> Config:
    """Make changed top-level dict variables reach their nested copies.

    A config like ``video_features = dict(...)`` used as
    ``dict(type='LoadVideoFeatures', reader=video_features)`` holds copies
    made when the file was read, so ``--cfg-options video_features.path=X``
    alone changes only the top-level dict. Here every nested dict still
    equal to the top-level dict as written takes its new value. Runner
    fields (:data:`RUNNER_FIELDS`) are not variables.

    Args:
        cfg: The config after ``merge_from_dict``.
        originals: Top-level dict variables as written in the file.
    """
    for name, old in originals.items():
        new = cfg.get(name)
        if not isinstance(new, dict) or new == old:
            continue
        for key in list(cfg.keys()):
            if key != name and isinstance(cfg[key], (dict, list, ConfigDict)):
                _replace_equal(cfg[key], old, new)
    return cfg


def merge_cli_options(cfg: Config, cfg_options: Any = None) -> Config:
    """Merge ``--cfg-options`` into ``cfg``, propagate changed top-level dict
    variables (:func:`propagate_variables`) and ``data_root``
    (:func:`propagate_data_root`); returns ``cfg``, changed in place.

    Raises:
        ConfigOptionError: for keys nothing would read (see
            :func:`~dscnet_plugin.utils.option_keys.check_option_keys`).
    """
    original_root = cfg.get('data_root')
    if cfg_options:
        check_option_keys(cfg.to_dict(), cfg_options, cfg.filename)
        touched = {k.split('.', 1)[0] for k in cfg_options} - RUNNER_FIELDS
        originals = {k: copy.deepcopy(cfg[k].to_dict() if isinstance(cfg[k], ConfigDict)
                                      else cfg[k])
                     for k in touched if isinstance(cfg.get(k), dict)}
        cfg.merge_from_dict(cfg_options)
        propagate_variables(cfg, originals)
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
