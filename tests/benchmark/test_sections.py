"""The accuracy and ablation sections: mean ± std over seeds."""
import json

import pytest

from dscnet_plugin.benchmark import sections
from dscnet_plugin.benchmark.children import Options
from dscnet_plugin.benchmark.plan import make_plan
from dscnet_plugin.benchmark.render import render_ablations, render_accuracy
from dscnet_plugin.benchmark.specs import DATASETS_SPECS
from dscnet_plugin.engine.hooks.prior_comparison_hook import CONTROL_SUFFIX

from .metrics import METRICS


def test_mean_std_over_seeds_in_tables_and_json(monkeypatch):
    plan = make_plan(True, seeds=[0, 1, 2])
    control = 'DSCNet' + CONTROL_SUFFIX

    def fake_execute(runs, options):
        out = {}
        for r in runs:  # R1@0.5 = 40 + 2 * seed, the control 10 + seed
            rows = {r.name: dict(METRICS, **{'R1@0.5': 40.0 + 2 * r.seed}),
                    control: dict(METRICS, **{'R1@0.5': 10.0 + r.seed}, curve_corr=0.5)}
            out[r.key] = dict(tables={s: rows for s in DATASETS_SPECS[r.dataset].splits},
                              iterations={str(n): rows[r.name] for n in (1, 2, 3)})
        return out

    monkeypatch.setattr(sections, 'execute_all', fake_execute)
    monkeypatch.setattr(sections, 'prior_tables', lambda plan, models: {})
    data = sections.accuracy_section(plan, Options(quick=True))
    entry = data['results']['charades|0.7|DSCNet']
    assert sorted(entry['per_seed']) == [0, 1, 2]  # each seed's own numbers kept
    assert [entry['per_seed'][s]['test']['DSCNet']['R1@0.5'] for s in (0, 1, 2)] == [40, 42, 44]
    row = entry['tables']['test']['DSCNet']
    assert row['R1@0.5'] == 42.0 and row['R1@0.5_std'] == pytest.approx(2.0)
    assert row['R1@0.3'] == 40.0 and row['R1@0.3_std'] == 0.0 and row['seeds'] == 3
    text = render_accuracy(data)
    assert 'mean ± sample std over seeds 0, 1, 2' in text
    assert '| DSCNet | 0.7 | 40.00 ± 0.00 | 42.00 ± 2.00 |' in text
    assert f'| {control} | 0.7 | 40.00 ± 0.00 | 11.00 ± 1.00 |' in text
    assert 'DSCNet, knob 0.7: 0.500 ± 0.000' in text
    json.dumps(data)
    ablations = sections.ablation_section(plan, Options(quick=True))
    ref = [r for r in ablations['rows'] if r['name'] == 'all losses (reference)'][0]
    assert ref['metrics']['R1@0.5'] == 42.0 and sorted(ref['per_seed']) == [0, 1, 2]
    assert '| all losses (reference) | 40.00 ± 0.00 | 42.00 ± 2.00 |' in \
        render_ablations(ablations)
