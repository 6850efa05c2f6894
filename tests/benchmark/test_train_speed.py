"""``dscnet_plugin.benchmark.train_speed``: the scaled config keeps the paper's
schedule and widths; a tiny run reports every stage."""
import pytest

from dscnet_plugin.benchmark import SCALES, measure_training, speed_config
from dscnet_plugin.utils import walk_dicts

from ..engine.tiny_config import REPO, TINY_EPOCHS, make_tiny_cfg


@pytest.mark.parametrize('dataset', list(SCALES))
def test_speed_config_scales_data_and_keeps_the_paper_schedule(dataset, tmp_path,
                                                               monkeypatch):
    monkeypatch.chdir(REPO)
    size = SCALES[dataset]
    cfg = speed_config(dataset, 0.01, str(tmp_path / 'data'), str(tmp_path / 'run'),
                       streaming=True)
    gens = [d for d in walk_dicts(cfg._cfg_dict) if d.get('type') == 'SyntheticGroundingGenerator']
    assert gens and all(g['num_train_videos'] == round(size['train_videos'] * 0.01)
                        and g['feature_dim'] == size['feature_dim'] for g in gens)
    resamples = [d['num_frames'] for d in walk_dicts(cfg._cfg_dict)
                 if d.get('type') == 'ResampleFeatures']
    assert resamples and set(resamples) == {size['num_frames']}
    assert cfg.model.num_frames == size['num_frames']
    assert cfg.model.text_encoder.hidden_dim == 512  # paper d_r
    assert cfg.model.specific_head.joint_dim == 1024  # paper d_e'
    assert cfg.model.text_encoder.num_necks == size['num_necks']
    assert cfg.model.video_encoder.in_dim == size['feature_dim']
    hooks = {h['type']: h for h in cfg.custom_hooks}
    assert hooks['SemanticClusteringHook']['epochs'] == 10
    assert hooks['IterativeRelabelHook']['iterations'] == 5
    assert 'EpochTimerHook' in hooks and 'PriorComparisonHook' not in hooks
    assert cfg.train_cfg.features == 'streaming'
    assert cfg.optim_wrapper.optimizer.lr == 5e-4


def test_measure_training_reports_every_stage(tiny_data_root, tmp_path, build_runner):
    cfg = make_tiny_cfg(tiny_data_root, tmp_path / 'run')
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h['type'] != 'PriorComparisonHook']
    cfg.custom_hooks.append(dict(type='EpochTimerHook'))
    cfg.experiment_name = 'measure_training_test'
    build_runner(cfg)  # the fixture restores the scopes and the torch state afterwards
    out = measure_training(cfg)
    assert out['resident'] is True
    assert len(out['epoch_s']) == TINY_EPOCHS and min(out['epoch_s']) > 0
    assert len(out['relabel_s']) == TINY_EPOCHS + 1  # initial + after every stage
    assert out['train_s'] > sum(out['epoch_s']) + sum(out['relabel_s'])
    assert out['videos'] == 24 and out['test_s'] > 0 and 'R1@0.5' in str(out['metrics'])
