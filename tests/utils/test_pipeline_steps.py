"""Pipelines as named steps: order, merging, a dumped config, errors."""
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mmengine.config import Config

from dscnet_plugin.datasets import GroundingDataset
from dscnet_plugin.utils import pipeline_steps

LOAD, RESAMPLE, PACK = (dict(type='LoadVideoFeatures'), dict(type='ResampleFeatures'),
                        dict(type='PackGroundingInputs'))


def test_steps_run_in_the_order_listed_not_the_keys_order():
    pipeline = dict(pack=PACK, resample=RESAMPLE, load=LOAD, order=['load', 'resample', 'pack'])
    assert pipeline_steps(pipeline) == [LOAD, RESAMPLE, PACK]


def test_a_list_is_kept_and_none_steps_are_left_out():
    assert pipeline_steps([PACK, LOAD]) == [PACK, LOAD]
    assert pipeline_steps(None) == []
    assert pipeline_steps(dict(order=['load', 'pack'], load=None, pack=PACK)) == [PACK]


@given(st.permutations(['load', 'resample', 'pack']))
def test_any_key_order_gives_the_listed_order(keys):
    steps = dict(load=LOAD, resample=RESAMPLE, pack=PACK)
    pipeline = {k: steps[k] for k in keys}
    pipeline['order'] = ['load', 'resample', 'pack']
    assert pipeline_steps(pipeline) == [LOAD, RESAMPLE, PACK]


@pytest.mark.parametrize('pipeline, message', [
    (dict(load=LOAD, pack=PACK),
     'a pipeline of named steps (load, pack) needs order=[...], the list of their names in '
     'the order they run'),
    (dict(order=['load', 'resample'], load=LOAD, resampel=dict(num_frames=8)),
     "pipeline order ['load', 'resample']: no step named 'resample'; step 'resampel' is not "
     'in the order (misspelt, or add it to the order)'),
    (dict(order=['load'], load=dict(num_frames=8)),
     "pipeline step 'load' is {'num_frames': 8}: neither a transform config with a type nor "
     'a callable'),
    ('LoadVideoFeatures', 'a pipeline is a list of transforms or a dict of named steps, not a '
     'str'),
])
def test_malformed_pipelines_are_named(pipeline, message):
    with pytest.raises(TypeError) as error:
        pipeline_steps(pipeline)
    assert str(error.value) == message


def test_the_order_survives_a_dumped_config_whose_keys_mmengine_sorts(tmp_path):
    cfg = Config.fromfile('configs/dscnet_demo.py')
    cfg.dump(str(tmp_path / 'dumped.py'))
    dumped = Config.fromfile(str(tmp_path / 'dumped.py')).test_dataloader.dataset.pipeline
    assert list(dumped) != dumped.order  # the keys come back sorted
    assert pipeline_steps(dumped) == pipeline_steps(cfg.test_dataloader.dataset.pipeline)
    assert [s['type'] for s in pipeline_steps(dumped)] == [
        'LoadVideoFeatures', 'ResampleFeatures', 'TokenizeQuery', 'PackGroundingInputs']


def test_a_dataset_builds_a_named_pipeline_in_order(tmp_path):
    (tmp_path / 'a.txt').write_text('v1 0.0 2.0##a person sits\n')
    (tmp_path / 'd.json').write_text('{"v1": 10.0}')
    annotation = dict(type='CharadesSTAAnnotation', data_root=str(tmp_path), ann_file='a.txt',
                      duration_file='d.json')
    dataset = GroundingDataset(annotation=annotation, test_mode=True,
                               pipeline=dict(order=['load', 'pack'], load=None, pack=PACK))
    assert [type(t).__name__ for t in dataset.pipeline.transforms] == ['PackGroundingInputs']
    assert dataset[0]['data_samples'].metainfo['video_id'] == 'v1'
