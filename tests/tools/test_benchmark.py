"""``tools/benchmark.py``: the pure parts (marker rewrite, rendering, plans)
and the prior evaluation on a tiny synthetic annotation."""
import json
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

from dscnet_plugin.evaluation import GroundingRecall
from dscnet_plugin.registry import DATA_SOURCES, MODELS
from dscnet_plugin.utils import build_pinned
from dscnet_plugin.visualization import METRIC_KEYS
from tests.tool_loader import load_tool

REPO = Path(__file__).resolve().parents[2]

METRICS = {'R1@0.3': 40.0, 'R1@0.5': 25.5, 'R1@0.7': 10.0, 'R5@0.3': 90.0,
           'R5@0.5': 70.0, 'R5@0.7': 30.0, 'mIoU': 28.0}


@pytest.fixture(scope='module')
def bench():
    module = load_tool('tools/benchmark.py', register=True)  # dataclasses look it up
    yield module
    sys.modules.pop(module.__name__, None)


def _shifted(delta: float) -> dict:
    return {k: v + delta for k, v in METRICS.items()}


# ------------------------------------------------------------- markers
def test_replace_marked_keeps_text_outside_the_markers(bench):
    text = ('# Title\nhand-written intro\n\n' + bench.marked('accuracy', 'old table')
            + '\n\nmy discussion\n' + bench.marked('speed', 'old speed') + '\ntail\n')
    out = bench.replace_marked(text, 'accuracy', '| new | table |')
    assert '| new | table |' in out and 'old table' not in out
    assert 'old speed' in out  # other sections untouched
    for kept in ('# Title\nhand-written intro\n', '\n\nmy discussion\n', '\ntail\n'):
        assert kept in out
    # rewriting twice gives the same file (no growth)
    assert bench.replace_marked(out, 'accuracy', '| new | table |') == out


def test_replace_marked_appends_missing_sections(bench):
    out = bench.replace_marked('hand-written only\n', 'speed', 'numbers')
    assert out.startswith('hand-written only\n')
    assert out.rstrip().endswith(bench.marked('speed', 'numbers'))


def test_update_markdown_creates_then_preserves_hand_written_text(bench, tmp_path):
    path = tmp_path / 'docs' / 'benchmarks.md'
    bench.update_markdown(str(path), {'accuracy': 'TABLE-1'})
    text = path.read_text()
    assert 'TABLE-1' in text and '## Ablations' in text
    assert 'TO BE WRITTEN' in text and 'To be written' in text  # placeholders
    assert text.count('_Not run yet._') == len(bench.SECTIONS)  # run + 2 others
    edited = text.replace('_TO BE WRITTEN after the run (hand-written)', 'We find X')
    path.write_text(edited)
    bench.update_markdown(str(path), {'accuracy': 'TABLE-2', 'speed': 'SPEED'})
    final = path.read_text()
    assert 'We find X' in final and 'TABLE-2' in final and 'SPEED' in final
    assert 'TABLE-1' not in final


# ----------------------------------------------------------- rendering
def test_render_accuracy_has_model_control_prior_and_paper_rows(bench):
    table = {'DSCNet': METRICS,
             'DSCNet (other-video queries)': dict(_shifted(-1), curve_corr=0.9876),
             'FrequencyPrior': _shifted(-5)}
    label = 'DSCNet' + bench.PAPER_SCHEDULE
    data = dict(knobs=[0.0, 0.7], labels={'charades': ['DSCNet', label]},
                splits={'charades': ['test']}, scales={'charades': 'all videos'},
                paper_scales={'charades': 'the paper schedule'},
                priors={'charades': {'test': dict(
                    priors={p: _shifted(-10) for p in bench.PRIORS}, queries=3720)}},
                results={'charades|0.7|DSCNet': dict(name='DSCNet', tables={'test': table}),
                         f'charades|0.7|{label}': dict(name='DSCNet', tables={'test': {
                             'DSCNet': _shifted(2)}})})
    text = bench.render_accuracy(data)
    lines = text.splitlines()
    assert '**Charades-STA, test**, 3720 queries (all videos):' in lines
    assert '| DSCNet | 0.7 | 40.00 | 25.50 | 10.00 | 90.00 | 70.00 | 30.00 | 28.00 |' in lines
    assert '| DSCNet (other-video queries) | 0.7 | 39.00 | 24.50 |' in text
    assert ('true vs the other-video query, mean Pearson correlation over the queries '
            '(1.000: the query is ignored): DSCNet, knob 0.7: 0.988.') in text
    assert '±' not in text  # one seed: plain numbers
    assert f'| {label} | 0.7 | 42.00 | 27.50 |' in text  # the row reads its run's 'DSCNet'
    assert '| DSCNet | 0 | – | – |' in text  # knob 0 not run: empty row
    for prior in bench.PRIORS:
        assert f'| {prior} | any | 30.00 |' in text
    assert '| DSCNet, paper Table 1 (real C3D) | – | 44.15 | 28.73 |' in text
    assert '"paper schedule" rows: the paper schedule.' in text


def test_render_ablations_puts_paper_numbers_beside_ours(bench):
    rows = [dict(table=bench.T3, name='random', paper='table3/random', metrics=METRICS),
            dict(table=bench.T2, name='- L_mse (alpha_w = 0)', paper=None, metrics=None)]
    text = bench.render_ablations(dict(scale='300 videos', rows=rows))
    assert f'**{bench.T3}**' in text and f'**{bench.T2}**' in text
    assert ('| random | 40.00 | 25.50 | 10.00 | 90.00 | 70.00 | 30.00 | 28.00 '
            '| 23.79 | 11.24 | 73.61 | 42.58 |') in text
    assert '| - L_mse (alpha_w = 0) |' + ' – |' * 11 in text
    assert 'TO BE WRITTEN' not in text  # the discussion is hand-written, not generated


def test_render_speed_reports_missing_script_and_no_gpu(bench, tmp_path):
    missing = bench.run_script(['tools/analysis/does_not_exist.py'], str(tmp_path / 'x.json'), 5)
    assert 'not found' in missing['error']
    gpu = dict(device='NVIDIA H100 80GB HBM3', relabel_one_neck_s=0.43, cut_agreement=1.0,
               source='docs/results/relabel_speed_h100.json', date='2026-11-27')
    stage = dict(args={'charades': '--dataset charades --scale 1'},
                 errors={'charades': missing}, datasets={})
    data = dict(stage=stage, relabel=dict(device='cpu', videos=64, relabel_one_neck_s=0.8,
                                          eigh_over_power=0.9, cut_agreement=1.0),
                relabel_args=['--small'], gpu_record=gpu, cuda=False, threads=1)
    text = bench.render_speed(data)
    assert 'does_not_exist.py not found' in text
    assert '`tools/analysis/stage_speed.py --dataset charades --scale 1`, OMP_NUM_THREADS=1' in text
    assert '| videos | 64 |' in text and '| relabel_one_neck_s | 0.8 |' in text
    assert '| eigh_over_power | 0.9 |' in text and '| cut_agreement | 1.00 |' in text
    assert 'GPU (recorded earlier on one H100)' in text and '2026-11-27' in text
    assert '| device | NVIDIA H100 80GB HBM3 |' in text
    assert 'This run had no GPU' in text


def test_stage_rows_read_the_stage_speed_json(bench):
    stage = {'datasets': {'charades': {
        'stages': {'relabel': dict(time_s=2.0, peak_rss_mb=900.0, peak_rss_delta_mb=100.0)},
        'extrapolated_full_scale': {'relabel': dict(time_s=40.0)}}}}
    assert bench.stage_rows(stage) == [['charades', 'relabel', 2.0, 900.0, 100.0, None, 40.0]]


# --------------------------------------------------------------- plans
def test_quick_plan_is_smaller_than_the_full_plan(bench):
    quick, full = bench.make_plan(True), bench.make_plan(False)
    assert quick.mode == 'quick' and full.mode == 'full'
    assert full.accuracy['charades'].test_videos is None  # all 3720 test queries
    assert not full.accuracy['charades'].cfg_options  # the paper's model
    assert bench.make_plan(False, paper_schedule=True).paper_schedule['charades'] == bench.Scale()
    for dataset in ('charades', 'activitynet'):
        q, f = quick.accuracy[dataset], full.accuracy[dataset]
        assert q.train_videos < (f.train_videos or float('inf'))
        assert q.test_videos < (f.test_videos or float('inf'))
    assert len(quick.ablations) < len(full.ablations) == len(bench.ABLATIONS)
    assert all(quick.stage_scales[d] < full.stage_scales[d] for d in full.stage_scales)
    assert not full.paper_schedule and bench.make_plan(False, paper_schedule=True).paper_schedule
    assert quick.knobs == full.knobs == (0.0, 0.7)
    q_runs = bench.unique_runs(list(bench.accuracy_runs(quick, bench.ACCURACY_MODELS).values())
                               + list(bench.ablation_runs(quick).values()))
    f_runs = bench.unique_runs(list(bench.accuracy_runs(full, bench.ACCURACY_MODELS).values())
                               + list(bench.ablation_runs(full).values()))
    assert len(q_runs) < len(f_runs)


def test_accuracy_runs_grow_by_one_model_line(bench):
    plan = bench.make_plan(True)
    models = list(bench.ACCURACY_MODELS)
    base = bench.accuracy_runs(plan, models)
    assert len(base) == 2 * len(plan.knobs) * len(models)
    extra = bench.ModelSpec('best', 'configs/benchmarks/best_{dataset}.py', {'model.x': 1})
    more = bench.accuracy_runs(plan, models + [extra])
    assert len(more) == len(base) + 2 * len(plan.knobs)
    run = more['activitynet', 0.7, 'best']
    assert run.config == 'configs/benchmarks/best_activitynet.py'
    assert run.cfg_options == (('model.x', 1),) and run.other_video_queries
    assert len({r.key for r in more.values()}) == len(more)  # distinct work dirs


def test_ablation_runs_share_the_reference_and_the_iteration_run(bench):
    plan = bench.make_plan(True)
    runs = bench.ablation_runs(plan)
    iteration_rows = [a for a in plan.ablations if a.iterations is not None]
    assert len({runs[a.name].key for a in iteration_rows}) == 1
    longest = runs[iteration_rows[0].name]
    assert longest.eval_each_iteration
    assert longest.iterations == max(a.iterations for a in iteration_rows)
    references = {runs[a.name].key for a in plan.ablations
                  if not a.cfg_options and a.iterations is None}
    assert len(references) == 1
    # quick: ablations and accuracy have the same scale, so the run is shared
    accuracy = bench.accuracy_runs(plan, bench.ACCURACY_MODELS)
    assert references == {accuracy['charades', bench.DEFAULT_KNOB, 'DSCNet'].key}


def test_ablation_options_name_existing_settings(bench):
    model = Config.fromfile(str(REPO / 'configs' / '_base_' / 'models' / 'dscnet.py')).model
    for a in bench.ABLATIONS + bench.EXTRA_ABLATIONS:
        assert a.paper is None or a.paper in bench.PAPER_NUMBERS
        for key, value in a.cfg_options.items():
            node = model
            for part in key.split('.')[1:]:
                assert part in node, key
                node = node[part]
            assert value != node, key  # an actual change


def test_pick_keeps_order_and_is_deterministic(bench):
    ids = [f'v{i}' for i in range(50)]
    a, b = bench.pick(ids, 10), bench.pick(ids, 10)
    assert a == b and len(a) == 10 and a == sorted(a, key=ids.index)
    assert bench.pick(ids, None) == ids and bench.pick(ids, 99) == ids


def test_charades_subset_files(bench, tmp_path):
    src, dst = tmp_path / 'src', tmp_path / 'dst'
    (src / 'charades_sta').mkdir(parents=True)
    (src / 'charades').mkdir()
    for split, n in (('train', 12), ('test', 6)):
        lines = [f'{split[:2].upper()}{i // 2:03d} 1.0 3.0##a person sits.\n' for i in range(n)]
        (src / 'charades_sta' / f'charades_sta_{split}.txt').write_text(''.join(lines))
    bench.write_charades_subset(str(src), str(dst), 3, 2)
    train = (dst / 'charades_sta' / 'charades_sta_train.txt').read_text().splitlines()
    test = (dst / 'charades_sta' / 'charades_sta_test.txt').read_text().splitlines()
    assert len({x.split()[0] for x in train}) == 3 and len(train) == 6  # all their queries
    assert len({x.split()[0] for x in test}) == 2
    assert (dst / 'charades').resolve() == (src / 'charades').resolve()


# ------------------------------------------------------ a tiny section
def test_priors_on_a_tiny_synthetic_annotation(bench, tmp_path):
    generator = dict(type='SyntheticGroundingGenerator', data_root=str(tmp_path),
                     num_train_videos=12, num_test_videos=6, clips_range=(10, 20),
                     feature_dim=8, latent_dim=8, word_dim=8)
    build_pinned(DATA_SOURCES, generator).prepare()
    ann = dict(type='SyntheticGroundingAnnotation', generator=generator)
    evaluator = dict(type='GroundingRecall', topk=(1, 5), iou_thrs=(0.3, 0.5, 0.7),
                     nms_thresh=0.5, iou_cmp='>=', clip_end=True)
    samples = bench.grounding_samples(dict(ann, split='test'))
    rows = bench.prior_metrics(dict(ann, split='train'), samples, evaluator)
    assert set(rows) == set(bench.PRIORS)
    # each prior evaluated by its own forward and the metric, batch by batch
    for name in bench.PRIORS:
        model = build_pinned(MODELS, dict(type=name, train_annotation=dict(ann, split='train'))
                             if name in ('FrequencyPrior', 'MeanMomentPrior') else
                             dict(type=name))
        metric = GroundingRecall(**{k: v for k, v in evaluator.items() if k != 'type'})
        data = [samples[i]['data_samples'] for i in range(len(samples))]
        for start in range(0, len(data), 4):
            batch = model.forward(None, data[start:start + 4], mode='predict')
            metric.process(None, [x.to_dict() for x in batch])
        expected = metric.compute_metrics(metric.results)
        for k in METRIC_KEYS:
            assert rows[name][k] == pytest.approx(expected[k], abs=1e-9), (name, k)
    assert len({rows[n]['mIoU'] for n in bench.PRIORS}) == len(bench.PRIORS)
    text = bench.render_accuracy(dict(
        knobs=[0.7], labels={'charades': ['DSCNet']}, splits={'charades': ['test']},
        scales={'charades': 'tiny'}, results={},
        priors={'charades': {'test': dict(priors=rows, queries=len(samples))}}))
    assert f'**Charades-STA, test**, {len(samples)} queries (tiny):' in text
    assert '| FrequencyPrior | any |' in text
    json.dumps(rows)  # the JSON part is serialisable


def test_estimates_grow_with_the_work(bench):
    plan = bench.make_plan(False)
    run = bench.accuracy_runs(plan, bench.ACCURACY_MODELS)['charades', 0.7, 'DSCNet']
    bigger = bench.dataclasses.replace(run, scale=bench.dataclasses.replace(
        run.scale, train_videos=2 * run.scale.train_videos))
    longer = bench.dataclasses.replace(run, iterations=7)
    assert 0 < bench.estimate_seconds(run) < bench.estimate_seconds(bigger)
    assert bench.estimate_seconds(run) < bench.estimate_seconds(longer)
    lines = bench.list_runs(plan, jobs=2)
    assert len(lines) == len(bench.all_runs(plan)) + 1 and 'min of runs in all' in lines[-1]


# --------------------------------------------------------------- seeds
def test_seeds_of_the_plans_and_of_the_runs(bench, tmp_path):
    assert bench.make_plan(False).seeds == (0, 1, 2) and bench.make_plan(True).seeds == (0,)
    plan = bench.make_plan(True, seeds=[3, 1, 3])
    assert plan.seeds == (3, 1)
    run = bench.accuracy_runs(plan, bench.ACCURACY_MODELS)['charades', 0.7, 'DSCNet']
    assert run.seed == 3 and run.other_video_queries
    seeded = bench.with_seeds(run, plan.seeds)
    assert [r.seed for r in seeded] == [3, 1] and len({r.key for r in seeded}) == 2
    assert '_s1_' in seeded[1].key
    # every seeded run is in the plan, and the child finds its run from its own seed
    keys = {r.key for r in bench.all_runs(plan)}
    assert {r.key for r in seeded} <= keys
    assert len(keys) == 2 * len(bench.all_runs(bench.make_plan(True, seeds=[3])))
    command = bench.child_command(seeded[1], bench.Options(quick=True))
    args = bench.parse_args(command[2:])
    child_plan = bench.make_plan(args.quick, paper_schedule=True, seeds=args.seeds)
    assert bench.find_run(child_plan, args.run_key) == seeded[1]
    # each run's config: its seed, deterministic, the other-video control
    cfg = bench.build_run_config(seeded[1], bench.DATA_ROOT, 'features.hdf5', str(tmp_path))
    assert cfg.randomness == dict(seed=1, deterministic=True)
    hook = bench.hook_of(cfg, 'PriorComparisonHook')
    assert hook['other_video_queries'] is True and 'shuffled_queries' not in hook


def test_mean_std_over_seeds_in_tables_and_json(bench, monkeypatch):
    plan = bench.make_plan(True, seeds=[0, 1, 2])
    control = 'DSCNet' + bench.CONTROL_SUFFIX

    def fake_execute(runs, options):
        out = {}
        for r in runs:  # R1@0.5 = 40 + 2 * seed, the control 10 + seed
            rows = {r.name: dict(METRICS, **{'R1@0.5': 40.0 + 2 * r.seed}),
                    control: dict(METRICS, **{'R1@0.5': 10.0 + r.seed}, curve_corr=0.5)}
            out[r.key] = dict(tables={s: rows for s in bench.DATASETS_SPECS[r.dataset].splits},
                              iterations={str(n): rows[r.name] for n in (1, 2, 3)})
        return out

    monkeypatch.setattr(bench, 'execute_all', fake_execute)
    monkeypatch.setattr(bench, 'prior_tables', lambda plan: {})
    data = bench.accuracy_section(plan, bench.Options(quick=True))
    entry = data['results']['charades|0.7|DSCNet']
    assert sorted(entry['per_seed']) == [0, 1, 2]  # each seed's own numbers kept
    assert [entry['per_seed'][s]['test']['DSCNet']['R1@0.5'] for s in (0, 1, 2)] == [40, 42, 44]
    row = entry['tables']['test']['DSCNet']
    assert row['R1@0.5'] == 42.0 and row['R1@0.5_std'] == pytest.approx(2.0)
    assert row['R1@0.3'] == 40.0 and row['R1@0.3_std'] == 0.0 and row['seeds'] == 3
    text = bench.render_accuracy(data)
    assert 'mean ± sample std over seeds 0, 1, 2' in text
    assert '| DSCNet | 0.7 | 40.00 ± 0.00 | 42.00 ± 2.00 |' in text
    assert f'| {control} | 0.7 | 40.00 ± 0.00 | 11.00 ± 1.00 |' in text
    assert 'DSCNet, knob 0.7: 0.500 ± 0.000' in text
    json.dumps(data)
    ablations = bench.ablation_section(plan, bench.Options(quick=True))
    ref = [r for r in ablations['rows'] if r['name'] == 'all losses (reference)'][0]
    assert ref['metrics']['R1@0.5'] == 42.0 and sorted(ref['per_seed']) == [0, 1, 2]
    assert '| all losses (reference) | 40.00 ± 0.00 | 42.00 ± 2.00 |' in \
        bench.render_ablations(ablations)
