"""``dscnet_plugin.benchmark.stages.plan``: scaled counts and the settings
read from the datasets' configs."""
import os.path as osp

import pytest

from dscnet_plugin.benchmark.stages.plan import (DATASETS, load_config, make_plan,
                                                 scaled_counts)

from ...tool_loader import REPO


def test_scaled_counts_and_full_scale_plan(monkeypatch):
    monkeypatch.chdir(REPO)
    full = DATASETS['charades']['counts']
    assert scaled_counts(full, 1.0, 16) == full
    tiny = scaled_counts(full, 1e-6, 16)
    assert tiny['train_queries'] == 16 and min(tiny.values()) >= 1
    with pytest.raises(ValueError):
        scaled_counts(full, 0.0, 16)
    plan = make_plan('activitynet', 'cpu', 1.0)
    s = plan.settings
    assert (s['num_frames'], s['feature_dim'], s['max_query_len'], s['num_necks']) == \
        (256, 500, 20, 8)
    assert (s['num_clusters'], s['joint_dim'], s['vocab_size'], s['word_dim']) == \
        (16, 1024, 10000, 50)
    assert plan.counts == plan.full_counts and plan.counts['test_queries'] == 17031
    assert plan.threads == 1  # CPU default
    assert plan.config == str(REPO / 'configs' / 'dscnet_activitynet.py')


def test_small_plan_scales_counts_and_shrinks_dimensions(monkeypatch):
    monkeypatch.chdir(REPO)
    plan = make_plan('charades', 'cpu', 0.01, small=True, threads=0)
    assert plan.counts['train_videos'] == round(5338 * 0.01)
    assert plan.settings['feature_dim'] == 16 and plan.settings['vocab_size'] == 50
    assert plan.threads is None  # 0: torch's default


def test_bad_dataset_and_missing_config(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match='dataset must be one of'):
        make_plan('kinetics')
    monkeypatch.chdir(tmp_path)  # not the repository root
    with pytest.raises(FileNotFoundError, match='run from the repository root'):
        load_config(DATASETS['charades']['config'])
    assert not osp.exists(DATASETS['charades']['config'])
