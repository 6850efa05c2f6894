"""Every input of a run is checked before it trains or tests, and all
problems are reported together."""
import json
import sys
import time
from pathlib import Path

import pytest
from mmengine.config import Config

from dscnet_plugin.datasets import (AnnotationError, CharadesSTAAnnotation, FeatureError,
                                    SyntheticGroundingGenerator, VideoFeatures)
from dscnet_plugin.engine import input_check
from dscnet_plugin.engine.input_check import sample_ids
from dscnet_plugin.utils import walk_dicts
from tests.tool_loader import load_tool

from .tiny_config import TINY_GENERATOR, isolated_run, make_tiny_cfg

HEADER = '{n} problems with the inputs of {config}, found before the run started:'


def charades_style(cfg: Config, duration_file: str = 'durations.json') -> Config:
    """The tiny config reading the generated files with the ordinary
    Charades-STA reader (the train split's durations from ``duration_file``)."""
    for d in walk_dicts(cfg._cfg_dict):
        for key, value in list(d.items()):
            if isinstance(value, dict) and value.get('type') == 'SyntheticGroundingAnnotation':
                split = value['split']
                d[key] = dict(type='CharadesSTAAnnotation', data_root='data',
                              ann_file=f'charades_sta_{split}.txt',
                              duration_file=duration_file if split == 'train'
                              else 'durations.json')
    return cfg


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    """A folder with the tiny data in ``data/``, a ``durations_test.json``
    that lacks the training videos, and ``good.py`` / ``bad.py`` configs."""
    root = tmp_path_factory.mktemp('inputs')
    with isolated_run(root):
        SyntheticGroundingGenerator(data_root='data', **TINY_GENERATOR).prepare()
        durations = json.loads(Path('data/durations.json').read_text())
        test_ids = {line.split()[0] for line in
                    Path('data/charades_sta_test.txt').read_text().splitlines()}
        Path('data/durations_test.json').write_text(
            json.dumps({k: v for k, v in durations.items() if k in test_ids}))
        charades_style(make_tiny_cfg(Path('data'), Path('work'))).dump('good.py')
        bad = charades_style(make_tiny_cfg(Path('data'), Path('work')), 'durations_test.json')
        for d in walk_dicts(bad._cfg_dict):
            if d.get('type') == 'VideoFeatures':
                d['path'] = 'c3d.hdf5'
        bad.dump('bad.py')
    return root


def run_tool(name: str, *argv: str):
    tool = load_tool(f'tools/{name}.py')
    saved, sys.argv = sys.argv, [f'{name}.py', *argv]
    try:
        with pytest.raises(SystemExit) as e:
            tool.run_tool(tool.main)
    finally:
        sys.argv = saved
    return e.value


def reader_error(make) -> str:
    """The message of the error a reader raises by itself."""
    with pytest.raises((AnnotationError, FeatureError)) as e:
        make()
    return str(e.value)


def test_training_reports_every_missing_input_before_any_epoch(folder):
    with isolated_run(folder):
        start = time.monotonic()
        exit_ = run_tool('train', 'bad.py', '--quiet')
        elapsed = time.monotonic() - start
        durations = reader_error(lambda: CharadesSTAAnnotation(
            'charades_sta_train.txt', 'durations_test.json', data_root='data').load())
        features = reader_error(lambda: 'x' in VideoFeatures('c3d.hdf5', data_root='data'))
        assert 'has no duration in data/durations_test.json' in durations
        assert features == 'data/c3d.hdf5: feature file not found'
        assert str(exit_.code) == '\n'.join([
            'error: ' + HEADER.format(n=2, config='bad.py'),
            f'  - {durations}', f'  - {features}'])
        # nothing ran: no log, no config dump, no checkpoint; only the lock file
        assert sorted(p.name for p in Path('work').iterdir()) == ['.lock']
    assert elapsed < 15, elapsed  # the language stage alone takes longer


def test_testing_checks_the_test_inputs(folder):
    with isolated_run(folder):
        exit_ = run_tool('test', 'bad.py', '--work-dir', 'test_work')
        # the model's vocabulary reads the training annotation: both reported
        assert str(exit_.code).splitlines()[0] == 'error: ' + HEADER.format(
            n=2, config='bad.py')
        assert not Path('test_work').exists()


def test_a_feature_dimension_other_than_the_models(folder):
    with isolated_run(folder):
        # the reader is given the config's feature_dim: one problem, named once
        exit_ = run_tool('train', 'good.py', '--work-dir', 'dim_work',
                         '--cfg-options', 'model.video_encoder.in_dim=32')
        assert str(exit_.code) == ('error: data/features.hdf5: the reader expects feature '
                                   'dimension 16, the model 32 (model.video_encoder.in_dim)')
        # a reader left to detect the dimension: the sampled videos are read
        exit_ = run_tool('train', 'good.py', '--work-dir', 'dim_work',
                         '--cfg-options', 'model.video_encoder.in_dim=32',
                         'video_features.feature_dim=None')
        lines = str(exit_.code).splitlines()
        assert lines[0] == 'error: ' + HEADER.format(n=8, config='good.py')
        train_ids = list(dict.fromkeys(
            line.split()[0] for line in Path('data/charades_sta_train.txt').read_text()
            .splitlines()))
        assert lines[1] == (f"  - data/features.hdf5, id {train_ids[0]!r}: feature dimension "
                            '16, the model expects 32 (model.video_encoder.in_dim)')
        assert lines[4] == ('  - data/features.hdf5: 13 more of the 16 sampled videos of '
                            'data/charades_sta_train.txt fail likewise')
        assert len(lines) == 9
        assert not Path('dim_work').exists() or not any(Path('dim_work').glob('*.pth'))


def test_training_frames_other_than_the_label_banks(folder):
    with isolated_run(folder):
        exit_ = run_tool('train', 'good.py', '--work-dir', 'frames_work',
                         '--cfg-options', 'model.num_frames=32')
        # one problem: the message is the problem itself
        assert str(exit_.code) == (
            'error: good.py: the training pipeline resamples the features to 16 frames, '
            "model.num_frames is 32 (the label bank's length)")


def test_good_inputs_are_logged_in_one_line(folder, monkeypatch):
    logged = []
    monkeypatch.setattr(input_check, 'print_log', lambda msg, **kw: logged.append(msg))
    with isolated_run(folder):
        cfg = Config.fromfile('good.py')
        input_check.check_inputs(cfg)
    n_train = len({line.split()[0] for line in
                   (folder / 'data/charades_sta_train.txt').read_text().splitlines()})
    n_test = len({line.split()[0] for line in
                  (folder / 'data/charades_sta_test.txt').read_text().splitlines()})
    assert logged == [
        f'inputs checked: 2 annotation file(s), 2 feature source(s) ({n_train + n_test} videos '
        f'present, {min(16, n_train) + min(16, n_test)} read, dimension 16), 1 word-vector '
        'source(s)']


def test_sample_ids_holds_the_first_and_spreads_evenly():
    ids = [f'v{i}' for i in range(100)]
    assert sample_ids(ids, 5) == ['v0', 'v25', 'v50', 'v74', 'v99']
    assert sample_ids(ids[:3], 16) == ['v0', 'v1', 'v2']
    assert sample_ids([], 16) == []
