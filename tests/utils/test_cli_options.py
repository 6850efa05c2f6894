"""``--cfg-options`` cannot silently do nothing: unknown keys are refused,
values are kept as written (or refused), through the tools' own parsers."""
import json
import sys

import pytest
from mmengine.config import Config, DictAction

from dscnet_plugin.utils import (ConfigOptionError, OptionValueError, merge_cli_options,
                                 parse_options, register_all_modules)
from dscnet_plugin.utils import option_keys
from tests.tool_loader import REPO, load_tool

CHARADES = 'configs/dscnet_charades.py'
TOOL_ARGS = {  # what each tool needs besides the config, up to --cfg-options
    'train': [],
    'test': [],
    'infer': ['missing.pth', '--video', 'v.npy', '--query', 'a person sits'],
    'visualize': ['missing.pth', '--out-dir', 'pics'],
}


def run_tool(name, monkeypatch, *argv):
    """``tools/<name>.py argv`` as from the command line; returns its SystemExit."""
    tool = load_tool(f'tools/{name}.py')
    monkeypatch.setattr(sys, 'argv', [f'{name}.py', *argv])
    with pytest.raises(SystemExit) as exit_info:
        tool.run_tool(tool.main)
    return exit_info.value


# ----------------------------------------------------------------------------
# values
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('text, value', [
    ('/data/my videos', '/data/my videos'),  # DictAction: '/data/myvideos'
    ('"1"', '1'),  # DictAction: 1 (quotes stripped, then read as a number)
    ("'a,b'", 'a,b'),  # DictAction: ['a', 'b']
    ('[1, 2, 3]', [1, 2, 3]),
    ('(1,2)', (1, 2)),
    ('a,b', ['a', 'b']),
    ('[(1, 2), [a, b], c]', [(1, 2), ['a', 'b'], 'c']),
    ('[ "x y" , my file]', ['x y', 'my file']),
    ('[1, 2,]', [1, 2]),
    ('None', None), ('TRUE', True), ('false', False),
    ('-3', -3), ('1e-4', 1e-4), ('.5', 0.5),
    ("it's", "it's"), ('x[0]', 'x[0]'), ('a(1,2)', 'a(1,2)'), ('""', ''),
])
def test_values_are_kept_as_written(text, value):
    parsed = parse_options([f'k={text}'])['k']
    assert parsed == value and type(parsed) is type(value)


def test_dict_action_would_have_changed_them():
    # the reason for OptionsAction: mmengine's parser alters these silently
    assert DictAction._parse_iterable('/data/my videos') == '/data/myvideos'
    assert DictAction._parse_iterable('"1"') == 1
    assert DictAction._parse_iterable('1_0') == 10


@pytest.mark.parametrize('item, message', [
    ('x=1_0', "x: '1_0' is not a plain number but Python reads it as 10; write 10 for "
              'the number or quote it ("1_0") for the text'),
    ('x= /d', "x: ' /d' has leading or trailing spaces; remove them, or quote the value "
              'to keep them (" /d")'),
    ('x="/d', "x: '\"/d' has an unmatched quote; quote a text with a pair of ' or \""),
    ('x=[1,2', "x: '[1,2' has an unclosed bracket (expected ']')"),
    ('x=[1,,2]', "x: '[1,,2]' has an empty element; remove the extra comma or quote an "
                 'empty text ("")'),
    ('x=', 'x: the value is empty; write "" for an empty text or None'),
    ('x', "'x' is not KEY=VALUE"),
    ('data_root =d', "'data_root =d': the key 'data_root ' is not a dotted name (letters, "
                     'digits, _ and .; no spaces around =)'),
])
def test_values_that_would_change_are_refused(item, message):
    with pytest.raises(OptionValueError) as e:
        parse_options([item])
    assert str(e.value) == message


def test_a_key_given_twice_is_refused():
    with pytest.raises(OptionValueError, match=r"^a is given twice \(1 and 2\)$"):
        parse_options(['a=1', 'a=2'])
    assert parse_options(['a=1', 'a=1']) == {'a': 1}


@pytest.mark.parametrize('name', sorted(TOOL_ARGS))
def test_every_tool_refuses_a_value_it_would_change(name, monkeypatch, capsys):
    exit_ = run_tool(name, monkeypatch, CHARADES, *TOOL_ARGS[name], '--cfg-options', 'x=1_0')
    assert exit_.code == 2  # argparse's usage error
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"{name}.py: error: argument --cfg-options: x: '1_0' is not a plain number but "
        'Python reads it as 10; write 10 for the number or quote it ("1_0") for the text')


def test_a_data_root_with_a_space_reaches_the_readers(tmp_path, monkeypatch):
    # the demo's generator writes its data where data_root says, and the
    # readers read it back from there
    monkeypatch.chdir(tmp_path)
    tool = load_tool('tools/test.py')
    monkeypatch.setattr(sys, 'argv', [
        'test.py', str(REPO / 'configs/baselines/freqprior_demo.py'), '--work-dir', 'wd',
        '--quiet', '--dump-metrics', 'm.json', '--cfg-options', 'data_root=my data',
        'generator.num_train_videos=24', 'generator.num_test_videos=8',
        'generator.feature_dim=16', 'generator.clips_range=[20, 30]'])
    tool.main()
    assert sorted(p.name for p in (tmp_path / 'my data').iterdir()) == [
        'charades_sta_test.txt', 'charades_sta_train.txt', 'durations.json',
        'features.hdf5', 'glove_demo_50d.txt', 'manifest.json']
    assert not (tmp_path / 'mydata').exists()
    manifest = json.loads((tmp_path / 'my data' / 'manifest.json').read_text())
    assert (manifest['num_test_videos'], manifest['clips_range']) == (8, [20, 30])
    assert 'mIoU' in json.loads((tmp_path / 'm.json').read_text())


# ----------------------------------------------------------------------------
# keys
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('name', sorted(TOOL_ARGS))
def test_every_tool_refuses_an_unknown_top_level_key(name, monkeypatch):
    exit_ = run_tool(name, monkeypatch, CHARADES, *TOOL_ARGS[name],
                     '--cfg-options', 'data_rot=/data')
    assert str(exit_.code) == (
        f"error: --cfg-options data_rot: {CHARADES} has no top-level key "
        "'data_rot' (closest: data_root); nothing would read it")


def test_a_copied_number_variable_is_refused_naming_its_copies(monkeypatch):
    # feature_dim = 4096 is copied into the reader and the model when the file
    # is read: --cfg-options feature_dim=500 alone would change neither
    exit_ = run_tool('train', monkeypatch, CHARADES, '--cfg-options', 'feature_dim=500')
    assert str(exit_.code) == (
        f'error: --cfg-options feature_dim: feature_dim is a variable {CHARADES} copies '
        'where it is used (video_features.feature_dim, model.video_encoder.in_dim, '
        'video_steps.load.reader.feature_dim, '
        'val_dataloader.dataset.pipeline.load.reader.feature_dim and 2 more), and an option '
        'cannot reach its copies: set those fields instead')


def test_all_refused_keys_in_one_error(monkeypatch):
    exit_ = run_tool('train', monkeypatch, CHARADES, '--cfg-options', 'data_rot=/d',
                     'model.text_encoder.num_neck=8', 'data_root.x=1', 'custom_hooks.4.x=1',
                     'train_cfg.max_epoch=2', 'model.clusterer.num_clusters=8')
    assert str(exit_.code) == '\n'.join([
        f"error: --cfg-options data_rot: {CHARADES} has no top-level key "
        "'data_rot' (closest: data_root); nothing would read it",
        "--cfg-options model.text_encoder.num_neck: LSTMNeckAutoEncoder "
        "(model.text_encoder) takes no argument 'num_neck' (closest: num_necks)",
        "--cfg-options data_root.x: data_root is a str ('data'), not a dict",
        '--cfg-options custom_hooks.4.x: custom_hooks is a list of 4 entries: use an '
        'index 0-3',
        "--cfg-options train_cfg.max_epoch: ResidentEpochBasedTrainLoop (train_cfg) takes no "
        "argument 'max_epoch' (closest: max_epochs)"])


@pytest.fixture
def charades():
    register_all_modules(init_default_scope=False)
    return Config.fromfile(CHARADES)


def test_known_keys_and_new_arguments_are_accepted(charades, monkeypatch):
    logged = []
    monkeypatch.setattr(option_keys, 'print_log', lambda msg, **kw: logged.append(msg))
    merge_cli_options(charades, {
        'model.text_encoder.num_necks': 8,  # in the config
        'model.grower.top_k': 3,
        'model.text_encoder.word_dim': 50,  # an argument the config leaves at its default
        'param_scheduler': [],  # a Runner field the config leaves out
        'custom_hooks.1.record_videos': [0],
        'optim_wrapper.optimizer.betas': (0.9, 0.99)})
    assert charades.model.text_encoder.num_necks == 8
    assert charades.custom_hooks[1].record_videos == [0]
    assert logged == []


def test_unverifiable_new_keys_are_accepted_with_a_warning(charades, monkeypatch):
    logged = []
    monkeypatch.setattr(option_keys, 'print_log', lambda msg, **kw: logged.append(msg))
    # SafeCheckpointHook takes **kwargs; randomness is a plain dict
    merge_cli_options(charades, {'default_hooks.checkpoint.intervl': 2,
                                 'randomness.sede': 1})
    assert logged == [
        f'--cfg-options adds default_hooks.checkpoint.intervl, which {CHARADES} does not '
        'set (closest: interval)',
        f'--cfg-options adds randomness.sede, which {CHARADES} does not set (closest: seed)']


def test_new_keys_follow_a_new_type(charades):
    # docs/integration.md: replace a component; its own arguments are checked
    options = {'model.pseudo_labeller._delete_': True,
               'model.pseudo_labeller.type': 'SimilarityQuantileLabeller',
               'model.pseudo_labeller.quantile': 0.5}  # not an NCutLabeller argument
    merge_cli_options(charades, options)
    assert charades.model.pseudo_labeller == dict(type='SimilarityQuantileLabeller',
                                                  quantile=0.5)
    with pytest.raises(ConfigOptionError) as e:
        merge_cli_options(Config.fromfile(CHARADES), {**options, 'model.pseudo_labeller.x': 1})
    assert str(e.value) == ("--cfg-options model.pseudo_labeller.x: SimilarityQuantileLabeller "
                            "(model.pseudo_labeller) takes no argument 'x'")


def test_a_tuple_is_set_whole():
    cfg = Config(dict(generator=dict(type='X', clips_range=(60, 120))))
    with pytest.raises(ConfigOptionError) as e:
        merge_cli_options(cfg, {'generator.clips_range.0': 5})
    assert str(e.value) == ('--cfg-options generator.clips_range.0: generator.clips_range '
                            'is a tuple (60, 120): set it whole (generator.clips_range=(...))')
