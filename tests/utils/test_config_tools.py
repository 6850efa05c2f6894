"""--cfg-options on top-level variables reach their nested copies."""
from mmengine.config import Config

from dscnet_plugin.utils import merge_cli_options


def make_cfg(tmp_path):
    src = tmp_path / 'cfg.py'
    src.write_text(
        "data_root = 'data'\n"
        "video_features = dict(type='VideoFeatures', data_root=data_root, path='a.hdf5')\n"
        "other = dict(type='VideoFeatures', data_root=data_root, path='b.hdf5')\n"
        "pipeline = [dict(type='LoadVideoFeatures', reader=video_features),\n"
        "            dict(type='LoadVideoFeatures', reader=other)]\n"
        "loader = dict(dataset=dict(pipeline=pipeline))\n")
    return Config.fromfile(str(src))


def test_changed_variable_reaches_every_copy_and_only_them(tmp_path):
    cfg = make_cfg(tmp_path)
    merge_cli_options(cfg, {'video_features.path': '/x/sim.hdf5'})
    assert cfg.video_features.path == '/x/sim.hdf5'
    for pipe in (cfg.pipeline, cfg.loader.dataset.pipeline):
        assert pipe[0].reader.path == '/x/sim.hdf5'
        assert pipe[1].reader.path == 'b.hdf5'      # an equal-typed but different dict


def test_variable_and_data_root_together(tmp_path):
    cfg = make_cfg(tmp_path)
    merge_cli_options(cfg, {'video_features.path': 'sim.hdf5', 'data_root': '/d'})
    reader = cfg.loader.dataset.pipeline[0].reader
    assert (reader.path, reader.data_root) == ('sim.hdf5', '/d')
    assert cfg.loader.dataset.pipeline[1].reader.data_root == '/d'


def test_no_options_changes_nothing(tmp_path):
    cfg = make_cfg(tmp_path)
    before = cfg.to_dict()
    merge_cli_options(cfg, None)
    merge_cli_options(cfg, {'pipeline.0.type': 'LoadVideoFeatures'})
    assert cfg.to_dict() == before


def test_real_config_features_move_with_one_option():
    cfg = Config.fromfile('configs/dscnet_charades.py')
    merge_cli_options(cfg, {'video_features.path': 'charades_sta/features/i3d',
                            'data_root': '/data'})
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        reader = cfg[loader].dataset.pipeline.load.reader
        assert (reader.path, reader.data_root) == ('charades_sta/features/i3d', '/data')


def test_runner_fields_are_not_propagated():
    # val_dataloader is a copy of test_dataloader in the dataset configs;
    # changing one on the command line must not move the other.
    cfg = Config.fromfile('configs/dscnet_charades.py')
    merge_cli_options(cfg, {'test_dataloader.batch_size': 3})
    assert cfg.test_dataloader.batch_size == 3
    assert cfg.val_dataloader.batch_size == 64
