"""Reference numbers on the real annotation files in ../shared/data.

Skipped when the folder is absent. See ../shared/reference/prior_baselines.md.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / 'shared' / 'data'
CHARADES_TRAIN = DATA / 'charades_sta' / 'charades_sta_train.txt'
ANET_TRAIN = DATA / 'activitynet_captions' / 'train.json'

pytestmark = pytest.mark.skipif(
    not (CHARADES_TRAIN.is_file() and ANET_TRAIN.is_file()),
    reason=f'real data not found under {DATA}')

TOL = 0.5


def charades(split):
    return dict(type='CharadesSTAAnnotation', data_root=str(DATA),
                ann_file=f'charades_sta/charades_sta_{split}.txt',
                duration_file=f'charades/Charades_v1_{split}.csv')


def activitynet(split):
    return dict(type='ActivityNetCaptionsAnnotation', data_root=str(DATA),
                ann_file=f'activitynet_captions/{split}.json')


def _load(cfg):
    from dscnet_plugin.registry import DATA_SOURCES
    from dscnet_plugin.utils import build_pinned
    return build_pinned(DATA_SOURCES, cfg).load()


def _run_test_tool(config, tmp_path):
    out = tmp_path / 'metrics.json'
    cmd = [sys.executable, 'tools/test.py', config, '--cfg-options', f'data_root={DATA}',
           '--work-dir', str(tmp_path / 'wd'), '--dump-metrics', str(out)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    return json.loads(out.read_text())


def _check(metrics, expected):
    for key, value in expected.items():
        assert abs(metrics[key] - value) <= TOL, (key, metrics[key], value)


# ----------------------------------------------------------------------------
# Reader repair counts
# ----------------------------------------------------------------------------
def test_charades_sta_train_repairs():
    lines = [ln for ln in CHARADES_TRAIN.read_text().splitlines() if ln.strip()]
    assert len(lines) == 12408
    records = _load(charades('train'))
    assert len(records) == 12404
    kept_lines = {int(r.source.rsplit(':', 1)[1]) for r in records}
    # the four inverted moments (end < start) are the ones dropped
    assert set(range(1, 12409)) - kept_lines == {8252, 8440, 9623, 9624}
    assert all(0 <= r.start < r.end <= r.duration for r in records)


def test_charades_sta_test_count():
    records = _load(charades('test'))
    assert len(records) == 3720
    assert all(0 <= r.start < r.end <= r.duration for r in records)


@pytest.mark.parametrize('split, read, kept', [('train', 37421, 37417), ('val_2', 17031, 17031)])
def test_activitynet_counts(split, read, kept):
    raw = json.loads((DATA / 'activitynet_captions' / f'{split}.json').read_text())
    assert sum(len(v['timestamps']) for v in raw.values()) == read
    records = _load(activitynet(split))
    assert len(records) == kept
    assert all(0 <= r.start < r.end <= r.duration for r in records)


# ----------------------------------------------------------------------------
# Frequency prior through tools/test.py
# ----------------------------------------------------------------------------
def test_freqprior_charades_sta(tmp_path):
    metrics = _run_test_tool('configs/baselines/freqprior_charades-sta.py', tmp_path)
    _check(metrics, {'R1@0.3': 37.02, 'R1@0.5': 29.19, 'R1@0.7': 13.87,
                     'R5@0.3': 95.62, 'R5@0.5': 76.88, 'R5@0.7': 43.60})


def test_freqprior_activitynet(tmp_path):
    metrics = _run_test_tool('configs/baselines/freqprior_activitynet.py', tmp_path)
    _check(metrics, {'R1@0.3': 48.02, 'R1@0.5': 21.18, 'R1@0.7': 12.41,
                     'R5@0.3': 82.97, 'R5@0.5': 51.59, 'R5@0.7': 35.08})


# ----------------------------------------------------------------------------
# Fixed priors, evaluated in process through their forward
# ----------------------------------------------------------------------------
def _evaluate(model, annotation):
    from dscnet_plugin.datasets import GroundingDataset
    from dscnet_plugin.evaluation import GroundingRecall
    dataset = GroundingDataset(annotation=annotation,
                               pipeline=[dict(type='PackGroundingInputs')], test_mode=True)
    metric = GroundingRecall()
    samples = [dataset[i]['data_samples'] for i in range(len(dataset))]
    for start in range(0, len(samples), 1024):
        batch = model.forward(None, samples[start:start + 1024], mode='predict')
        metric.process(None, [s.to_dict() for s in batch])
    return metric.compute_metrics(metric.results)


def test_mean_moment_charades_sta():
    from dscnet_plugin.models import MeanMomentPrior
    metrics = _evaluate(MeanMomentPrior(charades('train')), charades('test'))
    _check(metrics, {'R1@0.3': 24.52, 'R1@0.5': 13.84, 'R1@0.7': 4.52})


def test_mean_moment_activitynet():
    from dscnet_plugin.models import MeanMomentPrior
    metrics = _evaluate(MeanMomentPrior(activitynet('train')), activitynet('val_2'))
    _check(metrics, {'R1@0.3': 35.54, 'R1@0.5': 15.18, 'R1@0.7': 3.60})


def test_predict_all_charades_sta():
    from dscnet_plugin.models import PredictAllPrior
    metrics = _evaluate(PredictAllPrior(), charades('test'))
    _check(metrics, {'R1@0.3': 35.00, 'R1@0.5': 0.43, 'R1@0.7': 0.00})
