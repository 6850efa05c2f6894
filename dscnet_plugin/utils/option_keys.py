"""Refuse ``--cfg-options`` keys that nothing would read.

mmengine's ``merge_from_dict`` adds any key it is given, so a typo
(``data_rot=...``) is silently ignored and the default is used. Rules here:

- a top-level key must be in the config or be one the Runner reads even when
  a config leaves it out (:data:`RUNNER_KEYS`); otherwise it is refused;
- a new key under a component dict (one with a ``type`` found in a
  registry; the type the options give it, if they change it) is refused
  when the component takes no such argument (the build would fail on it);
  accepted silently when it is an argument the config leaves at its
  default; accepted with a warning when the component takes ``**kwargs`` or
  its type is not found (nothing can tell);
- a new key under a plain dict (no ``type``) is accepted with a warning;
- a key through a value that is not a dict (``data_root.x``), a tuple, or
  past the end of a list (``custom_hooks.7.x``) is refused;
- a top-level variable that is not a dict (``feature_dim = 4096``) is
  refused: the file copied its value where it is used when it was read, and
  only dict variables (:func:`~dscnet_plugin.utils.config_tools.
  propagate_variables`) and ``data_root`` are carried to their copies; the
  message names the copies to set instead.

All refused keys are reported together in one :class:`ConfigOptionError`.
"""
import difflib
import inspect
from typing import Any, Dict, Iterable, List, Mapping, Optional

from mmengine.logging import print_log
from mmengine.registry import Registry

from .cli_errors import SetupError

#: Top-level keys ``Runner.from_cfg`` (and the Runner) read that a config
#: may leave out.
RUNNER_KEYS = frozenset({
    'model', 'work_dir', 'train_dataloader', 'val_dataloader', 'test_dataloader',
    'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper',
    'param_scheduler', 'val_evaluator', 'test_evaluator', 'default_hooks',
    'custom_hooks', 'data_preprocessor', 'load_from', 'resume', 'launcher', 'env_cfg',
    'log_processor', 'log_level', 'visualizer', 'default_scope', 'randomness',
    'experiment_name', 'model_wrapper_cfg', 'sync_bn', 'find_unused_parameters',
    'activation_checkpointing', 'efficient_conv_bn_eval', 'compile', 'custom_imports'})
_DELETE = '_delete_'
#: Top-level non-dict keys the tools or mmengine read themselves.
READ_AT_TOP = frozenset({'data_root', 'runner_type'})
#: Copies named in the message of a refused variable.
MAX_COPIES = 4


class ConfigOptionError(SetupError):
    """``--cfg-options`` keys that would be ignored or fail later."""


def closest(word: str, choices: Iterable[str]) -> str:
    """``' (closest: a, b)'`` of the choices close to ``word``, or ``''``."""
    near = difflib.get_close_matches(word, sorted(set(choices)), n=3, cutoff=0.6)
    return f' (closest: {", ".join(near)})' if near else ''


def _registries() -> List[Registry]:
    from .. import registry
    return [v for v in vars(registry).values() if isinstance(v, Registry)]


def _signatures(type_name: Any) -> List[inspect.Signature]:
    """Signatures of every registered class / function named ``type_name``."""
    found = [type_name] if callable(type_name) else []
    if isinstance(type_name, str):
        for reg in _registries():
            try:
                obj = reg.get(type_name)
            except Exception:  # a scope prefix of a package not installed
                obj = None
            if obj is not None and obj not in found:
                found.append(obj)
    signatures = []
    for obj in found:
        try:
            signatures.append(inspect.signature(obj))
        except (TypeError, ValueError):
            pass
    return signatures


def _new_key_problem(node: Mapping, path: str, key: str, source: str,
                     type_name: Any) -> Optional[str]:
    """A message if ``key`` (absent from ``node`` at ``path``, a component of
    ``type_name``) must be refused; a warning is logged for the keys that
    are accepted unchecked."""
    signatures = _signatures(type_name) if type_name is not None else []
    params = [p for sig in signatures for p in sig.parameters.values()
              if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if key in {p.name for p in params}:
        return None  # an argument the config leaves at its default
    takes_kwargs = any(p.kind == p.VAR_KEYWORD for sig in signatures
                       for p in sig.parameters.values())
    if signatures and not takes_kwargs:
        kind = type_name if isinstance(type_name, str) else type_name.__name__
        return (f'{kind} ({path}) takes no argument {key!r}'
                f'{closest(key, [p.name for p in params])}')
    print_log(f'--cfg-options adds {path}.{key}, which {source} does not set'
              f'{closest(key, node.keys())}', logger='current', level=30)
    return None


def _copies(node: Any, value: Any, path: str = '') -> Iterable[str]:
    """Dotted paths below ``node`` whose value equals ``value``."""
    items = (node.items() if isinstance(node, Mapping) else
             enumerate(node) if isinstance(node, (list, tuple)) else ())
    for key, child in items:
        where = f'{path}.{key}' if path else str(key)
        if type(child) is type(value) and child == value:
            yield where
        else:
            yield from _copies(child, value, where)


def _variable_problem(root: Mapping, top: str, source: str) -> Optional[str]:
    """A message when ``top`` is a non-dict variable whose copies an option
    of it would not reach."""
    if top in RUNNER_KEYS or top in READ_AT_TOP or isinstance(root.get(top), Mapping):
        return None
    value = root[top]
    copies = sorted((c for k, v in root.items() if k != top for c in _copies({k: v}, value)),
                    key=lambda c: (c.count('.'), len(c)))
    if not copies:
        return f'{source} sets {top} = {value!r}, but nothing reads it'
    more = f' and {len(copies) - MAX_COPIES} more' if len(copies) > MAX_COPIES else ''
    return (f'{top} is a variable {source} copies where it is used ('
            f'{", ".join(copies[:MAX_COPIES])}{more}), and an option cannot reach its '
            'copies: set those fields instead')


def _key_problem(root: Mapping, key: str, source: str,
                 new_types: Mapping[str, Any]) -> Optional[str]:
    parts = key.split('.')
    top = parts[0]
    if top not in root and top not in RUNNER_KEYS:
        return (f'{source} has no top-level key {top!r}{closest(top, root.keys())}; '
                'nothing would read it')
    if top in root and len(parts) == 1:
        problem = _variable_problem(root, top, source)
        if problem is not None:
            return problem
    node: Any = root
    for depth, part in enumerate(parts):
        path = '.'.join(parts[:depth])
        if part == _DELETE:
            return None
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return (f'{path} is a list of {len(node)} entries: use an index '
                        f'0-{len(node) - 1}' if node else f'{path} is an empty list')
            node = node[int(part)]
        elif isinstance(node, tuple):
            return f'{path} is a tuple {node!r}: set it whole ({path}=(...))'
        elif isinstance(node, Mapping):
            if part not in node:
                if depth == 0:
                    return None  # a Runner key the config leaves out
                return _new_key_problem(node, path, part, source,
                                        new_types.get(path, node.get('type')))
            node = node[part]
        else:
            return f'{path} is a {type(node).__name__} ({node!r}), not a dict'
    return None


def check_option_keys(cfg: Mapping, options: Dict[str, Any], source: Optional[str]) -> None:
    """Refuse the ``--cfg-options`` keys that nothing would read (rules: see
    the module docstring); every problem is named in one error.

    Args:
        cfg: The config (``Config`` or its dict) before the options are merged.
        options: ``{dotted key: value}`` as parsed from the command line.
        source: The config file, for the messages (``None``: "the config").

    Raises:
        ConfigOptionError: one line per refused key.
    """
    source = source or 'the config'
    # new keys under a component whose type the options change belong to the new type
    new_types = {key[:-len('.type')]: value for key, value in options.items()
                 if key.endswith('.type')}
    problems = [f'--cfg-options {key}: {problem}' for key in options
                if (problem := _key_problem(cfg, key, source, new_types)) is not None]
    if problems:
        raise ConfigOptionError('\n'.join(problems))
