"""The quick and full plans and their runs."""
import pytest

from dscnet_plugin.benchmark.ablations import ABLATIONS
from dscnet_plugin.benchmark.children import Options, child_command
from dscnet_plugin.benchmark.cli import charades_scale, parse_args
from dscnet_plugin.benchmark.locations import DATA_ROOT
from dscnet_plugin.benchmark.plan import (DEFAULT_KNOB, ablation_runs, accuracy_runs, all_runs,
                                          find_run, make_plan, unique_runs, with_seeds)
from dscnet_plugin.benchmark.run_config import build_run_config, hook_of
from dscnet_plugin.benchmark.specs import MODELS, ModelSpec, Scale, run_models


def test_quick_plan_is_smaller_than_the_full_plan():
    quick, full = make_plan(True), make_plan(False)
    assert quick.mode == 'quick' and full.mode == 'full'
    assert full.accuracy['charades'].test_videos is None  # all 3720 test queries
    assert not full.accuracy['charades'].cfg_options  # the paper's model
    assert make_plan(False, paper_schedule=True).paper_schedule['charades'] == Scale()
    for dataset in ('charades', 'activitynet'):
        q, f = quick.accuracy[dataset], full.accuracy[dataset]
        assert q.train_videos < (f.train_videos or float('inf'))
        assert q.test_videos < (f.test_videos or float('inf'))
    assert len(quick.ablations) < len(full.ablations) == len(ABLATIONS)
    assert all(quick.stage_scales[d] < full.stage_scales[d] for d in full.stage_scales)
    assert not full.paper_schedule and make_plan(False, paper_schedule=True).paper_schedule
    assert quick.knobs == full.knobs == (0.0, 0.7)
    q_runs = unique_runs(list(accuracy_runs(quick, MODELS).values())
                         + list(ablation_runs(quick).values()))
    f_runs = unique_runs(list(accuracy_runs(full, MODELS).values())
                         + list(ablation_runs(full).values()))
    assert len(q_runs) < len(f_runs)


def test_accuracy_runs_grow_by_one_model_line():
    plan = make_plan(True)
    models = list(MODELS)
    base = accuracy_runs(plan, models)
    assert len(base) == 2 * len(plan.knobs) * len(run_models(models))
    extra = ModelSpec('best', 'configs/benchmarks/best_{dataset}.py', {'model.x': 1})
    more = accuracy_runs(plan, models + [extra])
    assert len(more) == len(base) + 2 * len(plan.knobs)
    run = more['activitynet', 0.7, 'best']
    assert run.config == 'configs/benchmarks/best_activitynet.py'
    assert run.cfg_options == (('model.x', 1),) and run.other_video_queries
    assert len({r.key for r in more.values()}) == len(more)  # distinct work dirs


def test_ablation_runs_share_the_reference_and_the_iteration_run():
    plan = make_plan(True)
    runs = ablation_runs(plan)
    iteration_rows = [a for a in plan.ablations if a.iterations is not None]
    assert len({runs[a.name].key for a in iteration_rows}) == 1
    longest = runs[iteration_rows[0].name]
    assert longest.eval_each_iteration
    assert longest.iterations == max(a.iterations for a in iteration_rows)
    references = {runs[a.name].key for a in plan.ablations
                  if not a.cfg_options and a.iterations is None}
    assert len(references) == 1
    # quick: ablations and accuracy have the same scale, so the run is shared
    accuracy = accuracy_runs(plan, MODELS)
    assert references == {accuracy['charades', DEFAULT_KNOB, 'DSCNet'].key}


def test_seeds_of_the_plans_and_of_the_runs(tmp_path):
    assert make_plan(False).seeds == (0, 1, 2) and make_plan(True).seeds == (0,)
    plan = make_plan(True, seeds=[3, 1, 3])
    assert plan.seeds == (3, 1)
    run = accuracy_runs(plan, MODELS)['charades', 0.7, 'DSCNet']
    assert run.seed == 3 and run.other_video_queries
    seeded = with_seeds(run, plan.seeds)
    assert [r.seed for r in seeded] == [3, 1] and len({r.key for r in seeded}) == 2
    assert '_s1_' in seeded[1].key
    # every seeded run is in the plan, and the child finds its run from its own seed
    keys = {r.key for r in all_runs(plan)}
    assert {r.key for r in seeded} <= keys
    assert len(keys) == 2 * len(all_runs(make_plan(True, seeds=[3])))
    command = child_command(seeded[1], Options(quick=True))
    args = parse_args(command[2:])
    child_plan = make_plan(args.quick, paper_schedule=True, seeds=args.seeds)
    assert find_run(child_plan, args.run_key) == seeded[1]
    # each run's config: its seed, deterministic, the other-video control
    cfg = build_run_config(seeded[1], DATA_ROOT, 'features.hdf5', str(tmp_path))
    assert cfg.randomness == dict(seed=1, deterministic=True)
    hook = hook_of(cfg, 'PriorComparisonHook')
    assert hook['other_video_queries'] is True and 'shuffled_queries' not in hook


def test_the_iteration_row_marked_reference_has_the_reference_runs_l():
    for quick in (True, False):
        plan = make_plan(quick)
        marked = [a.iterations for a in plan.ablations if a.iterations is not None
                  and a.name.endswith('(reference)')]
        assert marked == [plan.ablation.iterations]
    full = make_plan(False)
    assert [a.name for a in full.ablations if a.iterations is not None] == [
        'L = 1', 'L = 3 (reference)', 'L = 5', 'L = 7']
    # the row labels do not enter the run keys (earlier results stay valid)
    assert ablation_runs(full)['L = 3 (reference)'].key == (
        'charades_k0.7_tr400_te400_dscnet_s0_a4926d62')


def test_charades_scale_flags_reach_the_plan_and_the_children():
    args = parse_args(['--charades-videos', '1000', '--charades-iterations', '5'])
    options = Options(charades_scale=charades_scale(args))
    assert options.charades_scale == (('train_videos', 1000), ('iterations', 5))
    plan = make_plan(False, charades_scale=dict(options.charades_scale))
    scale = plan.accuracy['charades']
    assert (scale.train_videos, scale.test_videos, scale.iterations) == (1000, None, 5)
    assert plan.accuracy['activitynet'] == make_plan(False).accuracy['activitynet']
    run = accuracy_runs(plan, MODELS)['charades', DEFAULT_KNOB, 'DSCNet']
    assert '_tr1000_teall_' in run.key
    default_run = accuracy_runs(make_plan(False), MODELS)['charades', DEFAULT_KNOB, 'DSCNet']
    assert run.key != default_run.key
    # the child rebuilds the same plan from its own command line and finds the run
    child = parse_args(child_command(run, options)[2:])
    lookup = make_plan(child.quick, paper_schedule=True, seeds=child.seeds,
                       charades_scale=dict(charades_scale(child)))
    assert find_run(lookup, child.run_key) == run
    with pytest.raises(SystemExit):   # argparse's one-line error, no traceback
        parse_args(['--charades-videos', '0'])
    # without the flags the child would not find it
    with pytest.raises(KeyError, match='no run'):
        find_run(make_plan(False, paper_schedule=True, seeds=child.seeds), child.run_key)
