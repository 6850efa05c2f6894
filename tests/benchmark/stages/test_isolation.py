"""``dscnet_plugin.benchmark.stages.isolation``: each stage measured in its
own process (the shared tiny run, ``conftest.tiny_run``); a failing stage
is an error with the child's traceback."""
import pytest

from dscnet_plugin.benchmark.stages.isolation import run_isolated
from dscnet_plugin.benchmark.stages.plan import STAGE_ITEMS, Plan

from .conftest import SCALE


@pytest.mark.parametrize('dataset', ['charades', 'activitynet'])
def test_every_stage_measured(tiny_run, dataset):
    d = tiny_run[0]['datasets'][dataset]
    assert d['scale'] == SCALE
    for stage, r in d['stages'].items():
        assert r['time_s'] > 0, stage
        assert r['steps'] >= 1, stage
        assert r['items'] == d['counts'][STAGE_ITEMS[stage]], stage
        assert r['resident_data_mb'] > 0, stage
        assert r['peak_rss_mb'] > r['baseline_rss_mb'] > 0, stage
        assert r['peak_rss_delta_mb'] == pytest.approx(r['peak_rss_mb'] - r['baseline_rss_mb'])
        assert r['threads'] == 1 and r['loadavg_before'] >= 0, stage  # CPU default
        assert r['setup_and_run_s'] >= r['time_s'], stage
        assert 'cuda_peak_mb' not in r, stage


def test_a_failing_stage_raises_with_the_child_traceback(tiny_run):
    counts = dict(train_videos=1)
    plan = Plan('charades', 'cpu', 1.0, True, counts, counts)  # no config, no settings
    with pytest.raises(RuntimeError, match='charades language_epoch failed:\nTraceback'):
        run_isolated('language_epoch', plan)
