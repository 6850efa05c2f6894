"""Config helpers, the baseline configs and the tools/*.py entry points."""
import argparse
import json
import os.path as osp
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config

from dscnet_plugin.apis import init_model
from dscnet_plugin.utils import apply_cli_options, propagate_data_root
from tests.tool_loader import load_tool

REPO = Path(__file__).resolve().parents[2]
METRIC_KEYS = {'R1@0.3', 'R1@0.5', 'R1@0.7', 'R5@0.3', 'R5@0.5', 'R5@0.7', 'mIoU', 'top1_len'}
BASELINES = [f'configs/baselines/{m}_{d}.py'
             for m in ('random', 'predictall', 'meanprior', 'freqprior')
             for d in ('charades-sta', 'activitynet', 'demo')]
MODEL_TYPES = {'random': 'RandomPrior', 'predictall': 'PredictAllPrior',
               'meanprior': 'MeanMomentPrior', 'freqprior': 'FrequencyPrior'}


def _nested_roots(node, path=''):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == 'data_root':
                yield path, v
            else:
                yield from _nested_roots(v, f'{path}.{k}')
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from _nested_roots(v, f'{path}[{i}]')


def _load_tool(name):
    return load_tool(f'tools/{name}.py')


# ----------------------------------------------------------------------------
# propagate_data_root / apply_cli_options
# ----------------------------------------------------------------------------
def _cfg():
    return Config(dict(
        data_root='old',
        reader=dict(type='R', data_root='old', ann_file='a.txt'),
        other=dict(type='R', data_root='elsewhere'),
        hooks=[dict(type='H', train=dict(data_root='old')), dict(type='H2', data_root='x')],
        loader=dict(dataset=dict(annotation=dict(data_root='old'),
                                 pipeline=(dict(type='T', data_root='old'),))),
        name='old'))


def test_propagate_data_root_replaces_nested_original_only():
    cfg = _cfg()
    cfg.merge_from_dict({'data_root': 'new'})
    out = propagate_data_root(cfg, 'old')
    assert out is cfg
    assert cfg.data_root == 'new'
    assert cfg.reader.data_root == 'new'
    assert cfg.reader.ann_file == 'a.txt'
    assert cfg.hooks[0].train.data_root == 'new'
    assert cfg.loader.dataset.annotation.data_root == 'new'
    assert cfg.loader.dataset.pipeline[0].data_root == 'new'
    # different values and non-data_root keys stay
    assert cfg.other.data_root == 'elsewhere'
    assert cfg.hooks[1].data_root == 'x'
    assert cfg.name == 'old'


def test_propagate_data_root_unchanged_root_is_a_no_op():
    cfg = _cfg()
    propagate_data_root(cfg, 'old')
    assert cfg.reader.data_root == 'old'
    assert [r for _, r in _nested_roots(cfg.to_dict())].count('old') == 5


def test_apply_cli_options(tmp_path):
    cfg = apply_cli_options(_cfg(), 'configs/foo/bar_baz.py',
                            {'data_root': 'moved', 'other.data_root': 'kept'},
                            work_dir=None, launcher='pytorch')
    assert cfg.reader.data_root == 'moved'
    assert cfg.other.data_root == 'kept'
    assert cfg.launcher == 'pytorch'
    assert cfg.work_dir == osp.join('./work_dirs', 'bar_baz')
    cfg = apply_cli_options(_cfg(), 'x.py', None, work_dir=str(tmp_path))
    assert cfg.work_dir == str(tmp_path) and cfg.launcher == 'none'
    assert cfg.reader.data_root == 'old'
    cfg = _cfg()
    cfg.work_dir = 'from_config'
    assert apply_cli_options(cfg, 'x.py').work_dir == 'from_config'


def test_test_tool_merge_args_adds_dump_metric():
    tool = _load_tool('test')
    args = argparse.Namespace(config='c.py', checkpoint='ck.pth', work_dir='wd',
                              cfg_options=None, launcher='none', dump='p.pkl')
    cfg = Config(dict(data_root='d', test_evaluator=dict(type='GroundingRecall')))
    cfg = tool.merge_args(cfg, args)
    assert cfg.load_from == 'ck.pth' and cfg.work_dir == 'wd'
    assert [e['type'] for e in cfg.test_evaluator] == ['GroundingRecall', 'DumpResults']
    assert cfg.test_evaluator[1]['out_file_path'] == 'p.pkl'


def test_train_tool_merge_args():
    tool = _load_tool('train')
    base = dict(data_root='d', r=dict(data_root='d'), optim_wrapper=dict(type='OptimWrapper'),
                val_cfg=dict(), val_dataloader=dict(), val_evaluator=dict())
    args = argparse.Namespace(config='configs/m.py', work_dir=None,
                              cfg_options={'data_root': 'e'}, launcher='none', amp=True,
                              resume='auto', no_validate=True, seed=3, deterministic=False)
    cfg = tool.merge_args(Config(base), args)
    assert cfg.r.data_root == 'e'
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    # nothing to resume in an empty work dir: a fresh start
    assert cfg.resume is False and cfg.load_from is None
    assert cfg.val_cfg is None and cfg.val_dataloader is None and cfg.val_evaluator is None
    assert cfg.randomness == dict(seed=3, deterministic=False)
    assert cfg.work_dir == osp.join('./work_dirs', 'm')
    args = argparse.Namespace(config='m.py', work_dir='w', cfg_options=None,
                              launcher='none', amp=False, resume='ck.pth',
                              no_validate=False, seed=None, deterministic=True)
    cfg = tool.merge_args(Config(base), args)
    assert cfg.resume is True and cfg.load_from == 'ck.pth'
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    assert cfg.randomness['deterministic'] is True and 'seed' not in cfg.randomness
    assert cfg.val_cfg == {}


# ----------------------------------------------------------------------------
# The baseline configs
# ----------------------------------------------------------------------------
def test_the_twelve_baseline_configs_exist():
    present = {str(p.relative_to(REPO)) for p in (REPO / 'configs/baselines').glob('*.py')}
    assert set(BASELINES) <= present


@pytest.mark.parametrize('path', BASELINES)
def test_baseline_config_loads(path):
    cfg = Config.fromfile(str(REPO / path))
    assert cfg.default_scope == 'dscnet_plugin'
    assert 'data_root' in cfg and isinstance(cfg.data_root, str)
    method = osp.basename(path).split('_')[0]
    assert cfg.model.type == MODEL_TYPES[method]
    assert cfg.test_dataloader.dataset.type == 'GroundingDataset'
    assert cfg.test_evaluator.type == 'GroundingRecall'
    # every nested data_root is the top-level one, so one option moves them all
    roots = list(_nested_roots(cfg.to_dict()))
    assert roots and {r for _, r in roots} == {cfg.data_root}
    if method in ('meanprior', 'freqprior'):
        assert 'train_annotation' in cfg.model
    cfg.merge_from_dict({'data_root': '/moved'})
    propagate_data_root(cfg, Config.fromfile(str(REPO / path)).data_root)
    assert {r for _, r in _nested_roots(cfg.to_dict())} == {'/moved'}


def test_init_model_from_config():
    model = init_model(str(REPO / 'configs/baselines/predictall_demo.py'))
    assert type(model).__name__ == 'PredictAllPrior'
    assert not model.training
    assert model.cfg.model.type == 'PredictAllPrior'


# ----------------------------------------------------------------------------
# tools/test.py end to end on the synthetic demo
# ----------------------------------------------------------------------------
def test_test_tool_on_demo_with_moved_data_root(tmp_path):
    root = tmp_path / 'demo'
    metrics_file = tmp_path / 'm.json'
    dump_file = tmp_path / 'preds.pkl'
    cmd = [sys.executable, 'tools/test.py', 'configs/baselines/freqprior_demo.py',
           '--cfg-options', f'data_root={root}', '--work-dir', str(tmp_path / 'wd'),
           '--dump-metrics', str(metrics_file), '--dump', str(dump_file)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    metrics = json.loads(metrics_file.read_text())
    assert set(metrics) == METRIC_KEYS | {'nms_thresh', 'iou_cmp', 'clip_end'}
    assert metrics['nms_thresh'] == 0.5 and metrics['iou_cmp'] == '>=' \
        and metrics['clip_end'] is True
    for k in METRIC_KEYS:
        assert 0.0 <= metrics[k] <= 100.0
    assert metrics['R5@0.5'] >= metrics['R1@0.5'] >= metrics['R1@0.7']
    # the synthetic data was generated under the moved root
    for name in ('charades_sta_train.txt', 'charades_sta_test.txt', 'durations.json',
                 'features.hdf5'):
        assert (root / name).is_file(), name
    assert (tmp_path / 'wd').is_dir()
    # the comparison table was logged; the config dump went to the log file only
    assert 'results beside the no-video priors' in proc.stdout + proc.stderr
    logs = list((tmp_path / 'wd').glob('*/*.log'))
    assert len(logs) == 1 and 'Config:\n' in logs[0].read_text(encoding='utf-8'), logs
    assert 'Config:' not in proc.stdout + proc.stderr
    assert f'environment, config and hook order: {logs[0]}' in proc.stdout
    # predictions dumped, one per test line, in seconds within the duration
    preds = pickle.loads(dump_file.read_bytes())
    n_test = sum(1 for line in (root / 'charades_sta_test.txt').read_text().splitlines()
                 if line.strip())
    assert len(preds) == n_test
    p = preds[0]
    assert np.asarray(p['pred_moments']).shape == (5, 2)
    assert (np.asarray(p['pred_moments']) <= p['duration'] + 1e-6).all()

    # same numbers in process from the same config, data_root moved the same way
    from dscnet_plugin.datasets import GroundingDataset
    from dscnet_plugin.engine import PriorComparisonHook
    from dscnet_plugin.evaluation import GroundingRecall
    cfg = apply_cli_options(Config.fromfile(str(REPO / 'configs/baselines/freqprior_demo.py')),
                            'freqprior_demo.py', {'data_root': str(root)}, str(tmp_path / 'wd2'))
    ds_cfg = cfg.test_dataloader.dataset.to_dict()
    ds_cfg.pop('type')
    dataset = GroundingDataset(**ds_cfg)
    assert len(dataset) == n_test
    table = PriorComparisonHook(train_annotation=cfg.train_annotation,
                                priors=[cfg.model.to_dict()]).compare(
        dataset, GroundingRecall(**{k: v for k, v in cfg.test_evaluator.items() if k != 'type'}))
    for k in METRIC_KEYS:
        assert table['FrequencyPrior'][k] == pytest.approx(metrics[k])
