"""Every top-level variable of every shipped config file is read by something.

A variable that nothing reads is a setting that does nothing:
``--cfg-options iterations=1`` was silently ignored while the relabel hook's
own ``iterations`` field was used. A top-level name assigned in a config file
(``configs/``, base files included, and ``docs/examples/``) passes when
mmengine reads it (a ``Runner`` argument, a key the ``Runner`` looks up in its config,
``runner_type``, ``custom_imports``), our tools read it (``data_root``, ``clip_seconds``), the
file itself uses it in an expression, or a file inheriting from it reads it
as ``{{_base_.name}}`` / ``_base_.name`` and this file is where that name
resolves (the nearest file of the inheritance chain that assigns it: a
redefinition in between shadows it), or a file inheriting it assigns the name a
``dict(...)`` that mmengine merges into this one, keeping one of its keys (no
``_delete_``, not every key set again).
"""
import ast
import inspect
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from mmengine.config import Config
from mmengine.runner import Runner

REPO = Path(__file__).resolve().parents[1]
CONFIG_FILES = sorted((REPO / 'configs').rglob('*.py')) + [
    REPO / 'docs' / 'examples' / 'dscnet_charades_i3d.py']

#: Keys besides the Runner's that mmengine or our tools read.
OTHER_READERS = {'runner_type': 'RUNNERS.build', 'custom_imports': 'Config.fromfile',
                 'data_root': 'dscnet_plugin.utils.propagate_data_root',
                 'clip_seconds': 'dscnet_plugin.apis.video_inputs.config_clip_seconds'}


def mmengine_keys() -> Set[str]:
    """Arguments of ``Runner.__init__`` and the config keys the Runner looks up."""
    keys = set(inspect.signature(Runner.__init__).parameters) - {'self'}
    keys |= set(re.findall(r"cfg(?:\.get\(|\[)'(\w+)'", inspect.getsource(Runner)))
    return keys


KeyTree = Optional[Dict[str, Any]]


def key_tree(node: ast.expr, env: Dict[str, ast.expr], depth: int = 0) -> KeyTree:
    """The nested keys of a ``dict(...)`` value that mmengine merges into a
    base's dict of the same name (``{key: subtree}``, a subtree ``None`` where
    the value is not a dict); ``None`` for any other value (it replaces the
    base's) and for ``_delete_=True``. Names of the same file's dicts and
    ``dict(a, **b)`` are followed."""
    if depth > 20:
        return None
    if isinstance(node, ast.Name) and node.id in env:
        return key_tree(env[node.id], env, depth + 1)
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == 'dict'):
        return None
    tree: Dict[str, Any] = {}
    for part in list(node.args) + [k.value for k in node.keywords if k.arg is None]:
        sub = key_tree(part, env, depth + 1)
        if sub is None:
            return None
        tree.update(sub)
    for keyword in node.keywords:
        if keyword.arg == '_delete_':
            return None
        if keyword.arg is not None:
            tree[keyword.arg] = key_tree(keyword.value, env, depth + 1)
    return tree


def keeps(base: KeyTree, child: KeyTree) -> bool:
    """Whether merging ``child`` into ``base`` keeps one of ``base``'s keys."""
    return any(key not in child or (isinstance(value, dict) and isinstance(child[key], dict)
                                    and keeps(value, child[key]))
               for key, value in base.items())


@lru_cache(maxsize=None)
def merged_keys(path: Path) -> Dict[str, KeyTree]:
    """Per name assigned in ``path``: :func:`key_tree` of its (last) value."""
    tree = ast.parse(re.sub(r'\{\{.*?\}\}', '0', path.read_text(encoding='utf-8')))
    env = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
           for t in node.targets if isinstance(t, ast.Name)}
    return {name: key_tree(value, env) for name, value in env.items()}


@lru_cache(maxsize=None)
def parse(path: Path) -> Tuple[List[Path], Set[str], Set[str], Set[str]]:
    """``(direct bases, names assigned, names used in expressions, names read
    as _base_.x)`` of one config file."""
    text = path.read_text(encoding='utf-8')
    tree = ast.parse(re.sub(r'\{\{.*?\}\}', '0', text))
    bases: List[str] = []
    assigned: Set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = {t.id for t in node.targets if isinstance(t, ast.Name)}
            if '_base_' in targets:
                value = ast.literal_eval(node.value)
                bases = [value] if isinstance(value, str) else list(value)
            assigned |= targets - {'_base_'}
    loaded = {n.id for n in ast.walk(tree)
              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return ([(path.parent / b).resolve() for b in bases], assigned, loaded,
            set(re.findall(r'_base_\.(\w+)', text)))


def provider(path: Path, name: str) -> Optional[Path]:
    """The file of ``path``'s inheritance chain (``path`` included) whose
    assignment of ``name`` the merged config holds."""
    bases, assigned, _, _ = parse(path)
    if name in assigned:
        return path
    return next((p for p in (provider(b, name) for b in bases) if p is not None), None)


def merged_into(child: Path) -> Iterable[Tuple[Path, str]]:
    """``(base file, name)`` for every dict of ``child``'s bases that a dict
    assigned in ``child`` is merged into with one of the base's keys kept."""
    for name, keys in merged_keys(child).items():
        if keys is None:
            continue
        for base in parse(child)[0]:
            source = provider(base, name)
            base_keys = None if source is None else merged_keys(source).get(name)
            if source is not None and (base_keys is None or keeps(base_keys, keys)):
                yield source, name


def unread_variables(files: Iterable[Path], known: Set[str]) -> List[str]:
    """``'file: name'`` for every top-level name of ``files`` nothing reads."""
    files = list(files)
    read: Dict[Path, Set[str]] = {f: set(parse(f)[2]) for f in files}
    for child in files:
        for name in parse(child)[3]:
            for base in parse(child)[0]:
                source = provider(base, name)
                if source is not None:
                    read.setdefault(source, set()).add(name)
        for source, name in merged_into(child):
            read.setdefault(source, set()).add(name)
    return [f'{f.relative_to(REPO) if REPO in f.parents else f.name}: {name}'
            for f in files for name in sorted(parse(f)[1] - known - read[f])]


def test_every_top_level_variable_is_read():
    unread = unread_variables(CONFIG_FILES, mmengine_keys() | set(OTHER_READERS))
    assert not unread, f'top-level variables nothing reads: {unread}'


def test_the_rule_flags_unread_and_shadowed_variables(tmp_path):
    (tmp_path / 'base.py').write_text('num_frames = 64\nroot = "d"\niterations = 5\n'
                                      'reader = dict(type="R", root=root)\n')
    (tmp_path / 'mid.py').write_text('_base_ = ["./base.py"]\nnum_frames = 32\n')
    (tmp_path / 'top.py').write_text('_base_ = "./mid.py"\n'
                                     'model = dict(t={{_base_.num_frames}}, r={{_base_.reader}})\n')
    files = [tmp_path / n for n in ('base.py', 'mid.py', 'top.py')]
    # base's num_frames is shadowed by mid's; iterations is never read
    assert unread_variables(files, {'model'}) == ['base.py: iterations', 'base.py: num_frames']
    Config.fromfile(str(files[2]))  # the fixture is a valid mmengine config


def unread_in_base(folder: Path) -> Tuple[List[str], Config]:
    """The unread variables of ``folder/base.py`` under ``folder/top.py``
    (the top file's own are read by nothing here), and the merged top."""
    files = [folder / n for n in ('base.py', 'top.py')]
    unread = [u for u in unread_variables(files, set()) if u.startswith('base.py')]
    return unread, Config.fromfile(str(files[1]))


def test_a_base_dict_a_child_merges_into_is_read_unless_replaced(tmp_path):
    (tmp_path / 'base.py').write_text(
        'kept = dict(type="Q")\nreplaced = dict(type="Q")\ndeleted = dict(type="Q")\n'
        'every_key = dict(type="Q")\n')
    (tmp_path / 'top.py').write_text(
        '_base_ = ["./base.py"]\nkept = dict(annotation=1)\nreplaced = [1]\n'
        'deleted = dict(_delete_=True, annotation=1)\nevery_key = dict(type="R")\n')
    unread, merged = unread_in_base(tmp_path)
    assert unread == ['base.py: deleted', 'base.py: every_key', 'base.py: replaced']
    assert merged.kept == dict(type='Q', annotation=1)  # what the rule models
    assert merged.deleted == dict(annotation=1) and merged.every_key == dict(type='R')


def test_the_hook_fields_are_the_only_source_of_the_schedule():
    # L, epochs per stage and the language epochs live in custom_hooks only,
    # at the index the README's ablation override uses (custom_hooks.1.iterations=3)
    for name in ('dscnet_charades.py', 'dscnet_activitynet.py', 'dscnet_demo.py'):
        cfg = Config.fromfile(str(REPO / 'configs' / name))
        assert not {'iterations', 'epochs_per_stage', 'language_epochs'} & set(cfg.keys())
        assert cfg.custom_hooks[1]['type'] == 'IterativeRelabelHook'
        cfg.merge_from_dict({'custom_hooks.1.iterations': 3})
        assert cfg.custom_hooks[1]['iterations'] == 3


def test_a_nested_merge_through_a_named_dict_keeps_the_base_read(tmp_path):
    (tmp_path / 'base.py').write_text(
        'nested = dict(pipeline=dict(query=dict(type="Q")))\n'
        'swapped = dict(pipeline=dict(query=dict(type="Q")))\n')
    (tmp_path / 'top.py').write_text(
        '_base_ = ["./base.py"]\nsteps = dict(query=dict(max_len=1))\n'
        'nested = dict(pipeline=steps)\nswapped = dict(pipeline=[1])\n')
    unread, merged = unread_in_base(tmp_path)
    assert unread == ['base.py: swapped']
    assert merged.nested == dict(pipeline=dict(query=dict(type='Q', max_len=1)))
    assert merged.swapped == dict(pipeline=[1])
