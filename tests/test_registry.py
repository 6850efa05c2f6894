"""Registries: place in mmengine's tree, scope pinning, foreign default scope."""
import json
import textwrap

import mmengine.registry as mm_registry
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope, Registry

import dscnet_plugin  # noqa: F401  (registers everything)
from dscnet_plugin import registry as plugin_registry
from dscnet_plugin.datasets import GroundingDataset
from dscnet_plugin.evaluation import GroundingRecall
from dscnet_plugin.models import FrequencyPrior
from dscnet_plugin.structures import GroundingDataSample

CHILDREN = {
    'MODELS': mm_registry.MODELS, 'DATASETS': mm_registry.DATASETS,
    'DATA_SAMPLERS': mm_registry.DATA_SAMPLERS, 'TRANSFORMS': mm_registry.TRANSFORMS,
    'METRICS': mm_registry.METRICS, 'HOOKS': mm_registry.HOOKS,
    'LOOPS': mm_registry.LOOPS, 'VISUALIZERS': mm_registry.VISUALIZERS,
    'INFERENCERS': mm_registry.INFERENCERS, 'RUNNERS': mm_registry.RUNNERS,
    'RUNNER_CONSTRUCTORS': mm_registry.RUNNER_CONSTRUCTORS,
    'FUNCTIONS': mm_registry.FUNCTIONS, 'MODEL_WRAPPERS': mm_registry.MODEL_WRAPPERS,
    'WEIGHT_INITIALIZERS': mm_registry.WEIGHT_INITIALIZERS,
    'OPTIMIZERS': mm_registry.OPTIMIZERS, 'OPTIM_WRAPPERS': mm_registry.OPTIM_WRAPPERS,
    'OPTIM_WRAPPER_CONSTRUCTORS': mm_registry.OPTIM_WRAPPER_CONSTRUCTORS,
    'PARAM_SCHEDULERS': mm_registry.PARAM_SCHEDULERS,
    'EVALUATOR': mm_registry.EVALUATOR, 'TASK_UTILS': mm_registry.TASK_UTILS,
    'VISBACKENDS': mm_registry.VISBACKENDS,
    'LOG_PROCESSORS': mm_registry.LOG_PROCESSORS,
}
OWN = ['DATA_SOURCES', 'TEXT_ENCODERS', 'NECK_CLUSTERERS', 'PSEUDO_LABELLERS',
       'ATTENTION_HEADS', 'LOSSES', 'INFERENCE_GROWERS']


@pytest.fixture
def restore_default_scope():
    """The Runner creates a global DefaultScope; drop it after the test."""
    saved = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(saved)


def write_charades(tmp_path, name='sta'):
    ann = tmp_path / f'{name}.txt'
    ann.write_text('VIDA 0.0 5.0##a person opens a door.\n'
                   'VIDA 2.0 9.0##a person sits down.\n'
                   'VIDB 10.0 20.0##someone reads a book.\n'
                   'VIDB 0.0 4.0##the person laughs.\n')
    dur = tmp_path / f'{name}_durations.json'
    dur.write_text(json.dumps({'VIDA': 10.0, 'VIDB': 20.0}))
    return dict(type='CharadesSTAAnnotation', ann_file=str(ann), duration_file=str(dur))


# ----------------------------------------------------------------------------
# Tree structure
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('name', sorted(CHILDREN))
def test_standard_registries_are_children_of_mmengine_roots(name):
    reg = getattr(plugin_registry, name)
    assert isinstance(reg, Registry)
    assert reg.scope == 'dscnet_plugin'
    assert reg.parent is CHILDREN[name]
    assert CHILDREN[name]._children['dscnet_plugin'] is reg


@pytest.mark.parametrize('name', OWN)
def test_own_registries_have_plugin_scope(name):
    reg = getattr(plugin_registry, name)
    assert isinstance(reg, Registry)
    assert reg.scope == 'dscnet_plugin'
    assert reg.parent is None


@pytest.mark.parametrize('name', OWN)
def test_own_registries_build_from_config_dict(name):
    reg = getattr(plugin_registry, name)
    type_name = f'_TestDummy{name.title().replace("_", "")}'

    class Dummy:
        def __init__(self, width=1, depth=2):
            self.width, self.depth = width, depth

    reg.register_module(name=type_name, module=Dummy)
    try:
        obj = reg.build(dict(type=type_name, width=7))
        assert isinstance(obj, Dummy) and (obj.width, obj.depth) == (7, 2)
        obj = reg.build(dict(type=f'dscnet_plugin.{type_name}', depth=3))
        assert isinstance(obj, Dummy) and (obj.width, obj.depth) == (1, 3)
        assert reg.get(type_name) is Dummy
    finally:
        reg._module_dict.pop(type_name)
    assert reg.get(type_name) is None


def test_registered_components_are_in_the_plugin_registries():
    assert plugin_registry.MODELS.get('FrequencyPrior') is FrequencyPrior
    assert plugin_registry.DATASETS.get('GroundingDataset') is GroundingDataset
    assert plugin_registry.METRICS.get('GroundingRecall') is GroundingRecall
    assert plugin_registry.DATA_SOURCES.get('CharadesSTAAnnotation') is not None
    assert plugin_registry.TRANSFORMS.get('PackGroundingInputs') is not None
    assert plugin_registry.HOOKS.get('PriorComparisonHook') is not None
    # and not in mmengine's root registries themselves
    assert 'FrequencyPrior' not in mm_registry.MODELS.module_dict


# ----------------------------------------------------------------------------
# Building from a foreign default scope
# ----------------------------------------------------------------------------
def test_build_model_from_mmengine_scope(tmp_path):
    ann = write_charades(tmp_path)
    with DefaultScope.overwrite_default_scope('mmengine'):
        assert DefaultScope.get_current_instance().scope_name == 'mmengine'
        model = mm_registry.MODELS.build(dict(
            type='dscnet_plugin.FrequencyPrior', grid=4, train_annotation=ann))
    assert isinstance(model, FrequencyPrior)
    # the nested un-prefixed annotation reader was found and read: four
    # cells counted once each, ranked by (i, j): (0,0) (0,1) (0,3) (2,3)
    np.testing.assert_allclose(model.segments[:2], [[0.0, 0.25], [0.0, 0.5]])
    np.testing.assert_allclose(model.scores[:2], [0.25, 0.25])


def test_build_metric_from_mmengine_scope():
    with DefaultScope.overwrite_default_scope('mmengine'):
        metric = mm_registry.METRICS.build(
            dict(type='dscnet_plugin.GroundingRecall', nms_thresh=0.3))
    assert isinstance(metric, GroundingRecall) and metric.nms_thresh == 0.3


def test_build_dataset_with_nested_unprefixed_types_from_mmengine_scope(tmp_path):
    ann = write_charades(tmp_path)
    with DefaultScope.overwrite_default_scope('mmengine'):
        # sanity: un-prefixed plugin names are unknown from this scope
        with pytest.raises(KeyError):
            mm_registry.TRANSFORMS.build(dict(type='PackGroundingInputs'))
        dataset = mm_registry.DATASETS.build(dict(
            type='dscnet_plugin.GroundingDataset', annotation=ann,
            pipeline=[dict(type='PackGroundingInputs')], test_mode=True))
        item = dataset[2]
    assert isinstance(dataset, GroundingDataset)
    assert len(dataset) == 4
    sample = item['data_samples']
    assert isinstance(sample, GroundingDataSample)
    assert sample.metainfo['video_id'] == 'VIDB'
    assert sample.metainfo['duration'] == 20.0
    assert sample.metainfo['sample_idx'] == 2
    np.testing.assert_allclose(sample.gt_moment.numpy(), [10.0, 20.0])


def test_build_from_config_dict_without_default_scope(tmp_path):
    ann = write_charades(tmp_path)
    model = plugin_registry.MODELS.build(dict(type='MeanMomentPrior', train_annotation=ann))
    np.testing.assert_allclose(model.mean_moment, [(0 + .2 + .5 + 0) / 4,
                                                   (.5 + .9 + 1 + .2) / 4])


# ----------------------------------------------------------------------------
# A foreign config through mmengine's Runner
# ----------------------------------------------------------------------------
def test_runner_with_foreign_default_scope(tmp_path, restore_default_scope):
    from mmengine.runner import Runner
    ann = write_charades(tmp_path)
    cfg_file = tmp_path / 'foreign_cfg.py'
    cfg_file.write_text(textwrap.dedent(f'''
        default_scope = 'mmengine'
        custom_imports = dict(imports=['dscnet_plugin'], allow_failed_imports=False)
        model = dict(type='dscnet_plugin.PredictAllPrior')
        test_dataloader = dict(
            batch_size=3, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='dscnet_plugin.GroundingDataset',
                         annotation={ann!r},
                         pipeline=[dict(type='PackGroundingInputs')],
                         test_mode=True))
        test_evaluator = dict(type='dscnet_plugin.GroundingRecall')
        test_cfg = dict(type='TestLoop')
        work_dir = {str(tmp_path / 'wd')!r}
        log_level = 'WARNING'
    '''))
    cfg = Config.fromfile(str(cfg_file))
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    # predict-all [0, 1]: IoUs .5, .7, .5, .2 ; mIoU = 47.5
    assert set(metrics) >= {'R1@0.3', 'R1@0.5', 'R1@0.7', 'R5@0.5', 'mIoU'}
    assert metrics['R1@0.3'] == pytest.approx(75.0)
    assert metrics['R1@0.5'] == pytest.approx(75.0)
    assert metrics['R1@0.7'] == pytest.approx(25.0)
    assert metrics['mIoU'] == pytest.approx(47.5)
