"""The one model-spec list: every method row, its config and its kind."""
from pathlib import Path

import pytest

from dscnet_plugin.benchmark.specs import (DATASETS_SPECS, MODELS, ModelSpec, frame_models,
                                           prior_names, run_models)
from dscnet_plugin.registry import MODELS as MODEL_REGISTRY
from dscnet_plugin.utils import register_all_modules

REPO = Path(__file__).resolve().parents[2]


def test_every_method_config_exists_for_every_dataset():
    for spec in MODELS:
        for dataset in DATASETS_SPECS:
            assert (REPO / spec.config_of(dataset)).is_file(), (spec.name, dataset)


def test_dataset_placeholders_are_filled():
    spec = ModelSpec('x', 'configs/a_{dataset}_{dataset_file}.py')
    assert spec.config_of('charades') == 'configs/a_charades_charades-sta.py'
    assert spec.config_of('activitynet') == 'configs/a_activitynet_activitynet.py'


def test_the_list_holds_every_kind_of_method():
    names = [m.name for m in MODELS]
    # the paper's reading, then the fixes of issue 11
    fixes = ['DSCNet (centre labels)', 'DSCNet (transport link)',
             'DSCNet (transport, proposals)', 'DSCNet (transport, proposals, centred L_sab)',
             'DSCNet (transport, proposals, centred L_sab, spread)',
             'DSCNet (transport, proposals, centred L_sab, pre-norm)',
             'DSCNet (transport, proposals, centred L_sab, pre-norm, link check)']
    assert names[:8] == ['DSCNet'] + fixes
    assert [m.name for m in run_models(MODELS)] == ['DSCNet'] + fixes + [
        'BoundaryFrequencyPrior']
    assert prior_names(MODELS) == ('FrequencyPrior', 'MeanMomentPrior', 'PredictAllPrior',
                                   'RandomPrior')
    assert {m.name for m in frame_models(MODELS)} == {'DSCNet-VLM', 'zero-shot VLM'}
    assert {m.kind for m in MODELS} == {'trained', 'tested', 'prior'}


def test_priors_are_registered_model_types():
    register_all_modules(init_default_scope=False)
    for name in prior_names(MODELS) + ('BoundaryFrequencyPrior',):
        assert MODEL_REGISTRY.get(name) is not None, name


@pytest.mark.parametrize('field, value', [('kind', 'finetuned'), ('inputs', 'audio')])
def test_unknown_kind_or_inputs_is_refused(field, value):
    with pytest.raises(ValueError, match=f"{field} '{value}'"):
        ModelSpec('bad', 'configs/x.py', **{field: value})
