"""The config of a benchmark run: scale, features and evaluation splits
applied to trained and to evaluation-only methods."""
import os
from pathlib import Path

import pytest

from dscnet_plugin.benchmark.locations import DATA_ROOT
from dscnet_plugin.benchmark.plan import QUICK_MODEL, accuracy_runs, make_plan
from dscnet_plugin.benchmark.run_config import build_run_config
from dscnet_plugin.benchmark.specs import MODELS
from dscnet_plugin.utils import walk_dicts

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def in_repo():
    old = os.getcwd()
    os.chdir(REPO)  # the plan's paths are relative to the checkout
    yield
    os.chdir(old)


def _readers(cfg):
    return [d for d in walk_dicts(cfg._cfg_dict) if d.get('type') == 'VideoFeatures']


def test_trained_run_gets_the_quick_widths_and_schedule(in_repo, tmp_path):
    run = accuracy_runs(make_plan(True), MODELS)['charades', 0.7, 'DSCNet']
    cfg = build_run_config(run, DATA_ROOT, 'feats.hdf5', str(tmp_path))
    for key, value in QUICK_MODEL:
        node = cfg
        for part in key.split('.'):
            node = node[part]
        assert node == value, key
    assert cfg.model.num_frames == 64 == cfg.num_frames
    hooks = {h['type']: h for h in cfg.custom_hooks}
    assert hooks['IterativeRelabelHook']['iterations'] == 2
    assert hooks['SemanticClusteringHook']['epochs'] == 2
    assert all(r['path'] == 'feats.hdf5' and r['feature_dim'] == 500 for r in _readers(cfg))
    assert cfg.train_dataloader.num_workers == 0


@pytest.mark.parametrize('dataset', ['charades', 'activitynet'])
def test_evaluation_only_run_keeps_its_model_and_evaluates_every_split(in_repo, tmp_path,
                                                                       dataset):
    run = accuracy_runs(make_plan(True), MODELS)[dataset, 0.0, 'BoundaryFrequencyPrior']
    assert not run.trains and run.other_video_queries
    cfg = build_run_config(run, DATA_ROOT, 'feats.hdf5', str(tmp_path))
    assert cfg.model.type == 'BoundaryFrequencyPrior'
    assert 'num_frames' not in cfg.model and 'text_encoder' not in cfg.model  # no widths
    assert cfg.train_dataloader is None
    assert _readers(cfg) and all(r['path'] == 'feats.hdf5' for r in _readers(cfg))
    assert {d['num_frames'] for d in walk_dicts(cfg._cfg_dict)
            if d.get('type') == 'ResampleFeatures'} == {64}
    hook = [h for h in cfg.custom_hooks if h['type'] == 'PriorComparisonHook'][0]
    assert hook['name'] == 'BoundaryFrequencyPrior' and hook['other_video_queries']
    if dataset == 'activitynet':  # val_1 validated, val_2 tested, as the trained runs
        assert cfg.val_dataloader.dataset.annotation == cfg.val_annotation
        assert cfg.test_dataloader.dataset.annotation == cfg.test_annotation
        assert cfg.val_annotation != cfg.test_annotation
        assert cfg.val_evaluator == cfg.test_evaluator
    else:
        assert cfg.val_dataloader is None
