"""The report's sections rendered from their JSON parts."""
from dscnet_plugin.benchmark.ablations import T2, T3
from dscnet_plugin.benchmark.plan import PAPER_SCHEDULE
from dscnet_plugin.benchmark.render import (render_ablations, render_accuracy, render_speed,
                                            stage_rows)
from dscnet_plugin.benchmark.specs import MODELS, prior_names
from dscnet_plugin.benchmark.speed_section import run_script

from .metrics import METRICS, shifted

PRIORS = prior_names(MODELS)


def test_render_accuracy_has_model_control_prior_and_paper_rows():
    table = {'DSCNet': METRICS,
             'DSCNet (other-video queries)': dict(shifted(-1), curve_corr=0.9876),
             'FrequencyPrior': shifted(-5)}
    label = 'DSCNet' + PAPER_SCHEDULE
    data = dict(knobs=[0.0, 0.7], labels={'charades': ['DSCNet', label]},
                splits={'charades': ['test']}, scales={'charades': 'all videos'},
                paper_scales={'charades': 'the paper schedule'},
                priors={'charades': {'test': dict(
                    priors={p: shifted(-10) for p in PRIORS}, queries=3720)}},
                results={'charades|0.7|DSCNet': dict(name='DSCNet', tables={'test': table}),
                         f'charades|0.7|{label}': dict(name='DSCNet', tables={'test': {
                             'DSCNet': shifted(2)}})})
    text = render_accuracy(data)
    lines = text.splitlines()
    assert '**Charades-STA, test**, 3720 queries (all videos):' in lines
    assert '| DSCNet | 0.7 | 40.00 | 25.50 | 10.00 | 90.00 | 70.00 | 30.00 | 28.00 |' in lines
    assert '| DSCNet (other-video queries) | 0.7 | 39.00 | 24.50 |' in text
    assert ('true vs the other-video query, mean Pearson correlation over the queries '
            '(1.000: the query is ignored): DSCNet, knob 0.7: 0.988.') in text
    assert '±' not in text  # one seed: plain numbers
    assert f'| {label} | 0.7 | 42.00 | 27.50 |' in text  # the row reads its run's 'DSCNet'
    assert '| DSCNet | 0 | – | – |' in text  # knob 0 not run: empty row
    for prior in PRIORS:
        assert f'| {prior} | any | 30.00 |' in text
    assert '| DSCNet, paper Table 1 (real C3D) | – | 44.15 | 28.73 |' in text
    assert '"paper schedule" rows: the paper schedule.' in text


def test_render_ablations_puts_paper_numbers_beside_ours():
    rows = [dict(table=T3, name='random', paper='table3/random', metrics=METRICS),
            dict(table=T2, name='- L_mse (alpha_w = 0)', paper=None, metrics=None)]
    text = render_ablations(dict(scale='300 videos', rows=rows))
    assert f'**{T3}**' in text and f'**{T2}**' in text
    assert ('| random | 40.00 | 25.50 | 10.00 | 90.00 | 70.00 | 30.00 | 28.00 '
            '| 23.79 | 11.24 | 73.61 | 42.58 |') in text
    assert '| - L_mse (alpha_w = 0) |' + ' – |' * 11 in text
    assert 'TO BE WRITTEN' not in text  # the discussion is hand-written, not generated


def test_render_speed_reports_missing_script_and_no_gpu(tmp_path):
    missing = run_script(['tools/analysis/does_not_exist.py'], str(tmp_path / 'x.json'), 5)
    assert 'not found' in missing['error']
    gpu = dict(device='NVIDIA H100 80GB HBM3', relabel_one_neck_s=0.43, cut_agreement=1.0,
               source='docs/results/relabel_speed_h100.json', date='2026-11-27')
    stage = dict(args={'charades': '--dataset charades --scale 1'},
                 errors={'charades': missing}, datasets={})
    data = dict(stage=stage, relabel=dict(device='cpu', videos=64, relabel_one_neck_s=0.8,
                                          eigh_over_power=0.9, cut_agreement=1.0),
                relabel_args=['--small'], gpu_record=gpu, cuda=False, threads=1)
    text = render_speed(data)
    assert 'does_not_exist.py not found' in text
    assert '`tools/analysis/stage_speed.py --dataset charades --scale 1`, OMP_NUM_THREADS=1' in text
    assert '| videos | 64 |' in text and '| relabel_one_neck_s | 0.8 |' in text
    assert '| eigh_over_power | 0.9 |' in text and '| cut_agreement | 1.00 |' in text
    assert 'GPU (recorded earlier on one H100)' in text and '2026-11-27' in text
    assert '| device | NVIDIA H100 80GB HBM3 |' in text
    assert 'This run had no GPU' in text


def test_stage_rows_read_the_stage_speed_json():
    stage = {'datasets': {'charades': {
        'stages': {'relabel': dict(time_s=2.0, peak_rss_mb=900.0, peak_rss_delta_mb=100.0)},
        'extrapolated_full_scale': {'relabel': dict(time_s=40.0)}}}}
    assert stage_rows(stage) == [['charades', 'relabel', 2.0, 900.0, 100.0, None, 40.0]]
