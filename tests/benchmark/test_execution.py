"""One run in this process: a method with nothing to train is evaluated
through the Runner, not trained, and its tables land on the right splits."""
from pathlib import Path

from mmengine.config import Config

from dscnet_plugin.benchmark.execution import split_tables, train_and_evaluate
from dscnet_plugin.benchmark.plan import Run
from dscnet_plugin.engine.hooks.prior_comparison_hook import CONTROL_SUFFIX
from dscnet_plugin.utils import propagate_data_root, walk_dicts
from tests.engine.tiny_config import TINY_GENERATOR

REPO = Path(__file__).resolve().parents[2]


def test_evaluation_only_run_evaluates_without_training(tiny_data_root, tmp_path,
                                                        restore_default_scope,
                                                        restore_torch_state, fast_pretty_text):
    cfg = Config.fromfile(str(REPO / 'configs' / 'baselines' / 'freqprior_demo.py'))
    original = cfg.data_root
    cfg.data_root = str(tiny_data_root)
    propagate_data_root(cfg, original)
    for d in walk_dicts(cfg._cfg_dict):
        if d.get('type') == 'SyntheticGroundingGenerator':
            d.update(TINY_GENERATOR)
    cfg.custom_hooks = [dict(type='PriorComparisonHook', train_annotation=cfg.train_annotation,
                             priors=(), name='FrequencyPrior', other_video_queries=True)]
    cfg.work_dir = str(tmp_path)
    evaluations = train_and_evaluate(cfg, test_after=False, trains=False)
    assert [e['mode'] for e in evaluations] == (['val', 'test'] if cfg.get('val_dataloader')
                                                else ['test'])
    assert not list(tmp_path.rglob('*.pth'))  # nothing trained, nothing saved
    test = evaluations[-1]
    tables = split_tables(Run('FrequencyPrior', 'charades', 0.0, 'x', kind='tested'),
                          evaluations)
    assert list(tables) == ['test']
    assert tables['test']['FrequencyPrior'] == test['table']['FrequencyPrior']
    assert 'FrequencyPrior' + CONTROL_SUFFIX in tables['test']
    # a trained run on the same dataset reads its last validation instead
    trained = split_tables(Run('FrequencyPrior', 'charades', 0.0, 'x'), evaluations)
    assert list(trained) == (['test'] if evaluations[0]['mode'] == 'val' else [])


def test_split_tables_of_a_two_split_dataset():
    evaluations = [dict(mode='val', epoch=1, table={'m': {'R1@0.5': 1.0}}, metrics={}),
                   dict(mode='test', epoch=1, table={'m': {'R1@0.5': 2.0}}, metrics={})]
    for kind in ('trained', 'tested'):
        tables = split_tables(Run('m', 'activitynet', 0.0, 'x', kind=kind), evaluations)
        assert tables == {'val_1': {'m': {'R1@0.5': 1.0}}, 'val_2': {'m': {'R1@0.5': 2.0}}}
