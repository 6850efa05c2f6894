"""``dscnet_plugin.benchmark.stages.report``: a tiny run of every stage of
both datasets (``conftest.tiny_run``) written as JSON, with the
environment, the extrapolation to full scale and the summary table."""
import json

import pytest

from dscnet_plugin.benchmark.stages.plan import STAGE_ITEMS, STAGES
from dscnet_plugin.benchmark.stages.report import measure_dataset, table

from .conftest import SCALE


def test_json_written_and_environment(tiny_run):
    result, out = tiny_run
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    env = result['environment']
    assert env['device'] == 'cpu' and env['device_name']
    assert env['torch'] and env['cpu_count'] >= 1 and env['date']
    assert env['isolation'] == 'one child process per stage (forkserver)'
    assert result['scale'] == SCALE
    assert set(result['datasets']) == {'charades', 'activitynet'}
    assert result['wall_s'] >= sum(d['wall_s'] for d in result['datasets'].values())


@pytest.mark.parametrize('dataset', ['charades', 'activitynet'])
def test_every_dataset_measured(tiny_run, dataset):
    d = tiny_run[0]['datasets'][dataset]
    assert d['config'] == f'configs/dscnet_{dataset}.py'
    assert d['scale'] == SCALE and d['small'] is True and d['threads'] == 1
    assert d['counts']['train_videos'] < d['full_counts']['train_videos']
    assert list(d['stages']) == list(STAGES)
    assert d['total_time_s'] == pytest.approx(sum(r['time_s'] for r in d['stages'].values()))


@pytest.mark.parametrize('dataset', ['charades', 'activitynet'])
def test_extrapolation_consistent_with_scale(tiny_run, dataset):
    d = tiny_run[0]['datasets'][dataset]
    ext = d['extrapolated_full_scale']
    assert 'EXTRAPOLATED' in ext['note']
    for stage, r in d['stages'].items():
        key = STAGE_ITEMS[stage]
        factor = d['full_counts'][key] / d['counts'][key]
        e = ext[stage]
        assert e['factor'] == pytest.approx(factor)
        if d['counts'][key] >= 10:  # rounding aside, the factor is 1 / scale
            assert e['factor'] == pytest.approx(1 / SCALE, rel=0.1)
        assert e['time_s'] == pytest.approx(r['time_s'] * factor)
        assert e['resident_data_mb'] == pytest.approx(r['resident_data_mb'] * factor)
        working = max(0.0, r['peak_rss_delta_mb'] - r['resident_data_mb'])
        assert e['peak_rss_delta_mb'] == pytest.approx(working + e['resident_data_mb'])
    assert ext['total_time_s'] == pytest.approx(
        sum(ext[s]['time_s'] for s in STAGES))


def test_table_has_a_row_per_stage(tiny_run):
    result = tiny_run[0]
    lines = table(result)
    assert lines[0].split()[:3] == ['dataset', 'stage', 'items']
    assert len(lines) == 1 + 2 * len(STAGES)
    row = lines[1 + len(STAGES) + STAGES.index('test')].split()
    r = result['datasets']['activitynet']['stages']['test']
    ext = result['datasets']['activitynet']['extrapolated_full_scale']['test']
    assert row[:3] == ['activitynet', 'test', str(r['items'])]
    assert row[-1] == f"{ext['time_s']:.1f}"


def test_unknown_stage_rejected():
    with pytest.raises(ValueError, match='unknown stages'):
        measure_dataset('charades', stages=['language_epoch', 'warmup'])
