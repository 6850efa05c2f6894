"""The planning cost model."""
import dataclasses

from dscnet_plugin.benchmark.cost_model import estimate_seconds, list_runs
from dscnet_plugin.benchmark.plan import accuracy_runs, all_runs, make_plan
from dscnet_plugin.benchmark.specs import MODELS


def test_estimates_grow_with_the_work():
    plan = make_plan(False)
    run = accuracy_runs(plan, MODELS)['charades', 0.7, 'DSCNet']
    bigger = dataclasses.replace(run, scale=dataclasses.replace(
        run.scale, train_videos=2 * run.scale.train_videos))
    longer = dataclasses.replace(run, iterations=7)
    assert 0 < estimate_seconds(run) < estimate_seconds(bigger)
    assert estimate_seconds(run) < estimate_seconds(longer)
    lines = list_runs(plan, jobs=2)
    assert len(lines) == len(all_runs(plan)) + 1 and 'min of runs in all' in lines[-1]
