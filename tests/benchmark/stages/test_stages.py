"""``dscnet_plugin.benchmark.stages.stages``: what each stage function
reports, from the shared tiny run (``conftest.tiny_run``)."""
import math

import pytest

from dscnet_plugin.benchmark.stages.stages import STAGE_FNS
from dscnet_plugin.benchmark.stages.plan import STAGES


def test_a_function_per_stage():
    assert list(STAGE_FNS) == list(STAGES)


@pytest.mark.parametrize('dataset', ['charades', 'activitynet'])
def test_steps_follow_the_batch_sizes(tiny_run, dataset):
    d = tiny_run[0]['datasets'][dataset]
    s, n, r = d['settings'], d['counts'], d['stages']
    assert r['language_epoch']['steps'] == math.ceil(n['train_queries']
                                                     / s['language_batch_size'])
    assert r['video_epoch']['steps'] == math.ceil(n['train_videos'] / s['video_batch_size'])
    assert r['test']['steps'] == math.ceil(n['test_queries'] / s['test_batch_size'])
    assert d['stages']['relabel']['cache_within_config_limit'] is True  # tiny features
