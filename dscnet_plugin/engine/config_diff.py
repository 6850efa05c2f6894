"""Compare a config with the one a checkpoint was trained with.

A checkpoint holds its run's config as text (``meta['cfg']``, mmengine's
``Config.pretty_text``: ``name = <literal>`` lines of ``dict(...)`` calls,
lists, tuples and constants). The text is read with :mod:`ast` only —
never executed, since the checkpoint may come from anyone: a node that is
not such a literal is kept as its source text (and so compares unequal to
any real value).
"""
import ast
import math
from typing import Any, Dict, Iterable, List, Mapping, Tuple

from ..utils.option_keys import RUNNER_KEYS

#: Top-level keys that do not make a run another one: where it writes and
#: how it logs, launches and evaluates (a resume may change them).
RUNTIME_KEYS = frozenset({
    'work_dir', 'launcher', 'resume', 'load_from', 'experiment_name', 'log_level',
    'env_cfg', 'model_wrapper_cfg', 'visualizer', 'vis_backends', 'log_processor',
    'custom_imports', 'val_cfg', 'val_dataloader', 'val_evaluator', 'test_cfg',
    'test_dataloader', 'test_evaluator'})
#: ``default_hooks`` entries of the same kind (checkpointing, logging, timing).
RUNTIME_HOOKS = frozenset({'checkpoint', 'logger', 'timer', 'visualization'})
#: Keys ignored at any depth: the data may move between runs.
MOVABLE_KEYS = frozenset({'data_root'})


def _literal(node: ast.AST, source: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e, source) for e in node.elts]
    if isinstance(node, ast.Set):
        return plain({_literal(e, source) for e in node.elts})
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_literal(k, source): _literal(v, source) for k, v in zip(node.keys, node.values)}
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == 'dict' and not node.args
            and all(k.arg is not None for k in node.keywords)):
        return {k.arg: _literal(k.value, source) for k in node.keywords}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal(node.operand, source)
        if isinstance(value, (int, float)):
            return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Name) and node.id in ('inf', 'nan'):
        return float(node.id)
    return f'<{ast.get_source_segment(source, node)}>'


def parse_config_text(text: str) -> Dict[str, Any]:
    """``{name: value}`` of a ``Config.pretty_text`` (tuples read as lists).

    Raises:
        SyntaxError: the text is not Python.
    """
    tree = ast.parse(text)
    values = {}
    for stmt in tree.body:
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            values[stmt.targets[0].id] = _literal(stmt.value, text)
    return values


def plain(value: Any) -> Any:
    """``value`` with dicts (``ConfigDict``), lists, tuples and sets made
    plain dicts and lists, as :func:`parse_config_text` reads them (and NaN
    a string, so that it equals itself)."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v) for v in value), key=repr)
    if isinstance(value, float) and math.isnan(value):
        return 'nan'  # equal to itself
    return value


def _flatten(value: Any, prefix: str, out: Dict[str, Any]) -> Dict[str, Any]:
    if isinstance(value, dict) and value:
        for key, sub in value.items():
            if key not in MOVABLE_KEYS:
                _flatten(sub, f'{prefix}.{key}' if prefix else str(key), out)
    elif isinstance(value, list) and value:
        for i, sub in enumerate(value):
            _flatten(sub, f'{prefix}.{i}', out)
    else:
        out[prefix] = value
    return out


def training_fields(cfg: Mapping) -> Dict[str, Any]:
    """The dotted ``{key: value}`` of ``cfg`` that define what is trained:
    the fields the Runner reads (``RUNNER_KEYS``: the model, data, schedule,
    hooks, randomness...) without :data:`RUNTIME_KEYS`, :data:`RUNTIME_HOOKS`
    and :data:`MOVABLE_KEYS`. Other top-level variables (``feature_dim``,
    ``train_annotation``...) act only through the copies of them inside
    those fields, and are not compared themselves."""
    kept = {k: plain(v) for k, v in cfg.items()
            if k in RUNNER_KEYS and k not in RUNTIME_KEYS}
    if isinstance(kept.get('default_hooks'), dict):
        kept['default_hooks'] = {k: v for k, v in kept['default_hooks'].items()
                                 if k not in RUNTIME_HOOKS}
    return _flatten(kept, '', {})


def _short(value: Any, width: int = 40) -> str:
    text = '(unset)' if value is _MISSING else repr(value)
    return text if len(text) <= width else text[:width - 3] + '...'


_MISSING = object()


def config_differences(old: Mapping, new: Mapping) -> List[Tuple[str, Any, Any]]:
    """``[(dotted key, old value, new value)]`` of the training fields
    (:func:`training_fields`) that differ, sorted by key; a key one side
    lacks has the value :data:`_MISSING` there."""
    a, b = training_fields(old), training_fields(new)
    return [(k, a.get(k, _MISSING), b.get(k, _MISSING)) for k in sorted(set(a) | set(b))
            if a.get(k, _MISSING) != b.get(k, _MISSING)]


def describe_differences(diffs: Iterable[Tuple[str, Any, Any]], limit: int = 4) -> str:
    """``'model.x: 4 -> 8; ... (and 3 more)'`` of :func:`config_differences`."""
    diffs = list(diffs)
    text = '; '.join(f'{k}: {_short(a)} -> {_short(b)}' for k, a, b in diffs[:limit])
    return text + (f' (and {len(diffs) - limit} more)' if len(diffs) > limit else '')
