"""PriorComparisonHook: every prior evaluated on the same samples."""
import json
import textwrap

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from dscnet_plugin.datasets import GroundingDataset
from dscnet_plugin.engine import PriorComparisonHook
from dscnet_plugin.evaluation import GroundingRecall
from dscnet_plugin.models import (FrequencyPrior, MeanMomentPrior,
                                  PredictAllPrior, RandomPrior)
from dscnet_plugin.visualization import METRIC_KEYS, format_metric_table, metric_rows

PRIOR_NAMES = ['FrequencyPrior', 'MeanMomentPrior', 'PredictAllPrior', 'RandomPrior']


@pytest.fixture
def restore_default_scope():
    saved = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(saved)


def _write(tmp_path, name, lines, durations):
    ann = tmp_path / f'{name}.txt'
    ann.write_text(''.join(f'{v} {s} {e}##query number {k}.\n'
                           for k, (v, s, e) in enumerate(lines)))
    dur = tmp_path / f'{name}_dur.json'
    dur.write_text(json.dumps(durations))
    return dict(type='CharadesSTAAnnotation', ann_file=str(ann), duration_file=str(dur))


@pytest.fixture
def annotations(tmp_path):
    rng = np.random.default_rng(0)
    durations = {f'V{k:03d}': float(rng.integers(10, 40)) for k in range(12)}
    vids = sorted(durations)

    def moments(n):
        out = []
        for _ in range(n):
            v = vids[int(rng.integers(len(vids)))]
            d = durations[v]
            s = round(float(rng.uniform(0, 0.7 * d)), 1)
            e = round(min(d, s + float(rng.uniform(0.1, 0.5) * d)), 1)
            out.append((v, s, e))
        return out

    train = _write(tmp_path, 'train', moments(60), durations)
    test = _write(tmp_path, 'test', moments(25), durations)
    return train, test


def _direct(model, dataset, metric):
    """Evaluate ``model`` by its forward on the packed samples."""
    metric.results.clear()
    samples = [dataset[i]['data_samples'] for i in range(len(dataset))]
    for start in range(0, len(samples), 7):       # several batches
        batch = model.forward(None, samples[start:start + 7], mode='predict')
        metric.process(None, [s.to_dict() for s in batch])
    return metric.compute_metrics(metric.results)


def test_compare_equals_evaluating_each_prior_directly(annotations):
    train, test = annotations
    dataset = GroundingDataset(annotation=test, pipeline=[dict(type='PackGroundingInputs')],
                               test_mode=True)
    hook = PriorComparisonHook(train_annotation=train, priors=[
        dict(type='FrequencyPrior', grid=8), 'MeanMomentPrior', 'PredictAllPrior',
        dict(type='RandomPrior', seed=5)])
    metric = GroundingRecall(nms_thresh=0.5)
    table = hook.compare(dataset, metric)
    assert list(table) == PRIOR_NAMES
    models = {
        'FrequencyPrior': FrequencyPrior(train, grid=8),
        'MeanMomentPrior': MeanMomentPrior(train),
        'PredictAllPrior': PredictAllPrior(),
        'RandomPrior': RandomPrior(seed=5),
    }
    for name, model in models.items():
        expected = _direct(model, dataset, GroundingRecall(nms_thresh=0.5))
        assert set(table[name]) == set(expected)
        for k in METRIC_KEYS:
            assert table[name][k] == pytest.approx(expected[k], abs=1e-9), (name, k)
    # the priors differ from each other (the comparison is not trivial)
    assert len({round(table[n]['mIoU'], 6) for n in PRIOR_NAMES}) == 4
    # prior configs without train_annotation got the hook's; explicit args kept
    priors = hook._build_priors()
    assert priors['FrequencyPrior'].segments.shape[0] == 5
    np.testing.assert_allclose(priors['FrequencyPrior'].segments, models['FrequencyPrior'].segments)
    assert priors['RandomPrior'].seed == 5


def test_compare_uses_the_metric_settings(annotations):
    train, test = annotations
    dataset = GroundingDataset(annotation=test, pipeline=[dict(type='PackGroundingInputs')],
                               test_mode=True)
    hook = PriorComparisonHook(train_annotation=train, priors=['FrequencyPrior'])
    settings = [dict(iou_thrs=(0.1,), topk=(1,)), dict(iou_thrs=(0.9,), topk=(1,), iou_cmp='>'),
                dict(iou_thrs=(0.3,), topk=(1, 3), nms_thresh=1.0)]
    for kw in settings:
        row = hook.compare(dataset, GroundingRecall(**kw))['FrequencyPrior']
        expected = _direct(FrequencyPrior(train), dataset, GroundingRecall(**kw))
        assert row == pytest.approx(expected, abs=1e-9), kw
    loose = hook.compare(dataset, GroundingRecall(**settings[0]))['FrequencyPrior']
    assert set(loose) == {'R1@0.1', 'mIoU', 'top1_len', 'nms_thresh', 'iou_cmp', 'clip_end'}
    strict = hook.compare(dataset, GroundingRecall(**settings[1]))['FrequencyPrior']
    assert strict['iou_cmp'] == '>' and strict['R1@0.9'] != loose['R1@0.1']


def test_unknown_prior_type_raises(annotations):
    train, test = annotations
    dataset = GroundingDataset(annotation=test, pipeline=[], test_mode=True)
    hook = PriorComparisonHook(train_annotation=train, priors=['NoSuchPrior'])
    with pytest.raises(KeyError):
        hook.compare(dataset, GroundingRecall())


def test_metric_table_helpers():
    rows = metric_rows({'A': {'test/R1@0.5': 12.345, 'test/mIoU': 1.0, 'test/iou_cmp': '>='},
                        'LongerName': {'R1@0.5': 3.0}})
    assert rows == {'A': {'R1@0.5': 12.345, 'mIoU': 1.0, 'iou_cmp': '>='},
                    'LongerName': {'R1@0.5': 3.0}}
    lines = format_metric_table(rows).splitlines()
    assert lines[0].split() == ['method', 'R1@0.5', 'mIoU']
    assert lines[2].split() == ['A', '12.35', '1.00']
    assert lines[3].split() == ['LongerName', '3.00', '-']


def _runner_cfg(tmp_path, train, test, model, hook_extra=''):
    cfg_file = tmp_path / 'hook_cfg.py'
    cfg_file.write_text(textwrap.dedent(f'''
        default_scope = 'dscnet_plugin'
        model = {model!r}
        test_dataloader = dict(
            batch_size=8, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='GroundingDataset', annotation={test!r},
                         pipeline=[dict(type='PackGroundingInputs')], test_mode=True))
        test_evaluator = dict(type='GroundingRecall')
        test_cfg = dict(type='TestLoop')
        custom_hooks = [dict(type='PriorComparisonHook',
                             train_annotation={train!r}{hook_extra})]
        work_dir = {str(tmp_path / 'wd')!r}
        log_level = 'INFO'
    '''))
    return Config.fromfile(str(cfg_file))


def _hook(runner):
    hooks = [h for h in runner.hooks if isinstance(h, PriorComparisonHook)]
    assert len(hooks) == 1
    return hooks[0]


def test_runner_logs_table_with_model_and_priors(tmp_path, annotations, restore_default_scope):
    from mmengine.runner import Runner
    train, test = annotations
    model = dict(type='FrequencyPrior', train_annotation=train, grid=8)
    cfg = _runner_cfg(tmp_path, train, test, model,
                      ", name='MyModel', other_video_queries=True, seed=2")
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    hook = _hook(runner)
    table = hook.last_table
    assert list(table) == ['MyModel', 'MyModel (other-video queries)'] + PRIOR_NAMES
    for k in METRIC_KEYS:
        assert table['MyModel'][k] == pytest.approx(metrics[k])
        # a prior reads no query: the control row is its own row
        assert table['MyModel (other-video queries)'][k] == table['MyModel'][k]
    # the control's donors: another video each, the hook's seed
    videos = np.array([runner.test_dataloader.dataset.get_data_info(i)['video_id']
                       for i in range(len(runner.test_dataloader.dataset))])
    assert (videos[hook.last_donors] != videos).all()
    assert hook.last_curve_correlation is None  # its tensor output is not B x T
    dataset = runner.test_dataloader.dataset
    direct = {
        'FrequencyPrior': FrequencyPrior(train),       # the hook's default grid 16
        'MeanMomentPrior': MeanMomentPrior(train),
        'PredictAllPrior': PredictAllPrior(),
        'RandomPrior': RandomPrior(),
    }
    for name, model in direct.items():
        expected = _direct(model, dataset, GroundingRecall())
        for k in METRIC_KEYS:
            assert table[name][k] == pytest.approx(expected[k], abs=1e-9), (name, k)
    log = ''.join(p.read_text() for p in (tmp_path / 'wd').rglob('*.log'))
    assert 'results beside the no-video priors' in log
    for name in ['MyModel', 'MyModel (other-video queries)'] + PRIOR_NAMES:
        assert name in log
    assert 'true vs other-video query: mean Pearson correlation n/a' in log


def test_model_row_survives_when_model_is_a_prior_type(tmp_path, annotations,
                                                       restore_default_scope):
    from mmengine.runner import Runner
    train, test = annotations
    cfg = _runner_cfg(tmp_path, train, test, dict(type='RandomPrior', seed=7))
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    table = _hook(runner).last_table
    # the evaluated model's own numbers must appear in some row of the table
    assert any(all(row.get(k) == pytest.approx(metrics[k]) for k in METRIC_KEYS)
               for row in table.values())
