"""``tools/analysis/stage_speed.py``: a tiny run of every stage of both
datasets, each in its own process, written as JSON."""
import json
import sys

import pytest

from tests.tool_loader import load_tool

SCALE = 0.003  # ~16 Charades training videos


def _load_tool():
    # imported under its own name: the stage processes unpickle
    # ``stage_speed.<function>``, and the module puts its folder on sys.path
    if 'stage_speed' in sys.modules:
        return sys.modules['stage_speed']
    return load_tool('tools/analysis/stage_speed.py', name='stage_speed', register=True)


ss = _load_tool()


@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp('stage_speed') / 'stage_speed.json'
    result = ss.main(['--dataset', 'both', '--small', '--scale', str(SCALE),
                      '--device', 'cpu', '--out', str(out)])
    return result, out


def test_json_written_and_environment(tiny_run):
    result, out = tiny_run
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    env = result['environment']
    assert env['device'] == 'cpu' and env['device_name']
    assert env['torch'] and env['cpu_count'] >= 1 and env['date']
    assert result['scale'] == SCALE
    assert set(result['datasets']) == {'charades', 'activitynet'}


@pytest.mark.parametrize('dataset', ['charades', 'activitynet'])
def test_every_stage_measured(tiny_run, dataset):
    d = tiny_run[0]['datasets'][dataset]
    assert d['scale'] == SCALE and d['small'] is True
    assert d['counts']['train_videos'] < d['full_counts']['train_videos']
    assert list(d['stages']) == list(ss.STAGES)
    for stage, r in d['stages'].items():
        assert r['time_s'] > 0, stage
        assert r['steps'] >= 1, stage
        assert r['items'] == d['counts'][ss.STAGE_ITEMS[stage]], stage
        assert r['resident_data_mb'] > 0, stage
        assert r['peak_rss_mb'] > r['baseline_rss_mb'] > 0, stage
        assert r['peak_rss_delta_mb'] == pytest.approx(r['peak_rss_mb'] - r['baseline_rss_mb'])
        assert r['threads'] == 1 and r['loadavg_before'] >= 0, stage  # CPU default
    assert d['stages']['relabel']['cache_within_config_limit'] is True  # tiny features
    assert d['total_time_s'] == pytest.approx(sum(r['time_s'] for r in d['stages'].values()))


@pytest.mark.parametrize('dataset', ['charades', 'activitynet'])
def test_extrapolation_consistent_with_scale(tiny_run, dataset):
    d = tiny_run[0]['datasets'][dataset]
    ext = d['extrapolated_full_scale']
    assert 'EXTRAPOLATED' in ext['note']
    for stage, r in d['stages'].items():
        key = ss.STAGE_ITEMS[stage]
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
        sum(ext[s]['time_s'] for s in ss.STAGES))


def test_scaled_counts_and_full_scale_plan():
    full = ss.DATASETS['charades']['counts']
    assert ss.scaled_counts(full, 1.0, 16) == full
    tiny = ss.scaled_counts(full, 1e-6, 16)
    assert tiny['train_queries'] == 16 and min(tiny.values()) >= 1
    with pytest.raises(ValueError):
        ss.scaled_counts(full, 0.0, 16)
    plan = ss.make_plan('activitynet', 'cpu', 1.0)
    s = plan.settings
    assert (s['num_frames'], s['feature_dim'], s['max_query_len'], s['num_necks']) == \
        (256, 500, 20, 8)
    assert (s['num_clusters'], s['joint_dim'], s['vocab_size'], s['word_dim']) == \
        (16, 1024, 10000, 50)
    assert plan.counts == plan.full_counts and plan.counts['test_queries'] == 17031
