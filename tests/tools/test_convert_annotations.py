"""Tests of tools/data/convert_annotations.py (Charades-STA / ActivityNet
Captions -> moment_detr jsonl) and, on the real files, that the converted
Charades-STA evaluates the frequency prior exactly as the ``.txt`` reader."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

from dscnet_plugin.datasets import (ActivityNetCaptionsAnnotation, CharadesSTAAnnotation,
                                    MomentDETRAnnotation)
from dscnet_plugin.datasets.annotations.convert import convert_annotations
from dscnet_plugin.utils.cli_errors import SetupError

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / 'shared' / 'data'
TOOL = 'tools/data/convert_annotations.py'


def _run(*args):
    return subprocess.run([sys.executable, TOOL, *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def _same(a, b):
    """The records agree on everything but their source and id."""
    key = lambda r: (r.video_id, r.start, r.end, r.sentence, r.duration, r.windows)  # noqa
    return [key(r) for r in a] == [key(r) for r in b]


TRAIN_LINES = ('v2 1.0 4.0##Person opens the door.', 'v1 0.0 2.5##a person holds a cup.',
               'v3 2.0 5.0##Someone sits on the bed.', 'v1 3.0 7.5##Person drinks.',
               'v2 5.5 9.0##Person opens the door.')


def _write_lines(root: Path, name: str, lines) -> Path:
    (root / name).write_text(''.join(f'{line}\n' for line in lines), encoding='utf-8')
    return root / name


@pytest.fixture
def charades_pair(tmp_path):
    """``(folder, durations.json)`` with ``train.txt`` (5 lines) and
    ``test.txt`` (one end clipped, one moment dropped)."""
    _write_lines(tmp_path, 'train.txt', TRAIN_LINES)
    _write_lines(tmp_path, 'test.txt', ['v3 1.0 9.0##she waves.', 'v1 2.0 1.0##dropped.',
                                        'v2 0.5 1.5##he sits.'])
    (tmp_path / 'durations.json').write_text(json.dumps({'v1': 8.0, 'v2': 10.0, 'v3': 6.0}))
    return tmp_path, tmp_path / 'durations.json'


def test_cli_numbers_across_inputs(charades_pair, tmp_path):
    root, durations = charades_pair
    out = tmp_path / 'out'
    proc = _run('--format', 'charades-sta', root / 'train.txt', root / 'test.txt',
                '--duration-file', durations, '--out', out / 'a.jsonl', out / 'b.jsonl')
    assert proc.returncode == 0, proc.stderr
    a = [json.loads(x) for x in (out / 'a.jsonl').read_text().splitlines()]
    b = [json.loads(x) for x in (out / 'b.jsonl').read_text().splitlines()]
    assert [o['qid'] for o in a] == [0, 1, 2, 3, 4] and [o['qid'] for o in b] == [5, 6]
    assert b == [dict(qid=5, query='she waves.', vid='v3', duration=6.0,
                      relevant_windows=[[1.0, 6.0]]),          # clipped, as the reader
                 dict(qid=6, query='he sits.', vid='v2', duration=10.0,
                      relevant_windows=[[0.5, 1.5]])]
    txt = CharadesSTAAnnotation(str(root / 'train.txt'), str(durations)).load()
    assert _same(MomentDETRAnnotation(str(out / 'a.jsonl')).load(), txt)
    assert '5 queries' in proc.stdout + proc.stderr


def test_activitynet(tmp_path):
    src = tmp_path / 'train.json'
    src.write_text(json.dumps({'v_b': {'duration': 20, 'timestamps': [[0, 3], [5, 25]],
                                       'sentences': ['A man talks.', 'He jumps.']}}))
    convert_annotations('activitynet', [str(src)], [str(tmp_path / 'o.jsonl')], first_qid=7)
    back = MomentDETRAnnotation(str(tmp_path / 'o.jsonl')).load()
    assert [r.query_id for r in back] == ['7', '8']
    assert _same(back, ActivityNetCaptionsAnnotation(str(src)).load())


@pytest.mark.parametrize('extra, message', [
    ((), 'error: charades-sta needs the video durations: --duration-file'),
    (('--duration-file', 'a.json', 'b.json', 'c.json'),
     'error: 2 input file(s) but 3 --duration-file value(s)'),
])
def test_cli_errors_without_traceback(charades_pair, tmp_path, extra, message):
    root, _ = charades_pair
    proc = _run('--format', 'charades-sta', root / 'train.txt', root / 'test.txt',
                '--out', tmp_path / 'a.jsonl', tmp_path / 'b.jsonl', *extra)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith(message), proc.stderr
    assert 'Traceback' not in proc.stderr


def test_bad_input_or_output_writes_nothing(charades_pair, tmp_path):
    root, durations = charades_pair
    _write_lines(root, 'bad.txt', ['v1 1 2 no separator'])
    proc = _run('--format', 'charades-sta', root / 'train.txt', root / 'bad.txt',
                '--duration-file', durations, '--out', tmp_path / 'a.jsonl',
                tmp_path / 'b.jsonl')
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr
    assert f"error: {root / 'bad.txt'}, line 1: missing '##'" in proc.stderr
    assert not (tmp_path / 'a.jsonl').exists()
    with pytest.raises(SetupError, match='is one of the input files'):
        convert_annotations('charades-sta', [str(root / 'train.txt')],
                            [str(root / 'train.txt')], [str(durations)])
    with pytest.raises(SetupError, match='1 input file.s. but 2 --out'):
        convert_annotations('charades-sta', [str(root / 'train.txt')],
                            ['a.jsonl', 'b.jsonl'], [str(durations)])
    with pytest.raises(SetupError, match='activitynet files hold their durations'):
        convert_annotations('activitynet', ['x.json'], ['y.jsonl'], ['d.csv'])


# ------------------------------------------------ acceptance on the real files
REAL = DATA / 'charades_sta' / 'charades_sta_train.txt'


def _frequency_prior_metrics(train, test):
    from dscnet_plugin.datasets import GroundingDataset
    from dscnet_plugin.evaluation import GroundingRecall
    from dscnet_plugin.models import FrequencyPrior
    cfg = Config.fromfile(str(REPO / 'configs/baselines/freqprior_charades-sta.py'))
    model_cfg = {k: v for k, v in cfg.model.items() if k not in ('type', 'train_annotation')}
    model = FrequencyPrior(train, **model_cfg)
    dataset = GroundingDataset(annotation=test, pipeline=[dict(type='PackGroundingInputs')],
                               test_mode=True)
    metric = GroundingRecall(**{k: v for k, v in cfg.test_evaluator.items() if k != 'type'})
    samples = [dataset[i]['data_samples'] for i in range(len(dataset))]
    batch = model.forward(None, samples, mode='predict')
    metric.process(None, [s.to_dict() for s in batch])
    return metric.compute_metrics(metric.results)


@pytest.mark.skipif(not REAL.is_file(), reason=f'real data not found under {DATA}')
def test_converted_charades_sta_gives_the_same_frequency_prior(tmp_path):
    root = tmp_path / 'data'
    txt = {s: dict(type='CharadesSTAAnnotation', data_root=str(DATA),
                   ann_file=f'charades_sta/charades_sta_{s}.txt',
                   duration_file=f'charades/Charades_v1_{s}.csv') for s in ('train', 'test')}
    done = convert_annotations(
        'charades-sta', [str(DATA / f'charades_sta/charades_sta_{s}.txt') for s in txt],
        [str(root / f'charades_sta/charades_sta_{s}.jsonl') for s in txt],
        [str(DATA / f'charades/Charades_v1_{s}.csv') for s in txt])
    assert [(n, q) for _, q, n in done] == [(12404, 0), (3720, 12404)]
    jsonl = {s: dict(type='MomentDETRAnnotation', data_root=str(root),
                     ann_file=f'charades_sta/charades_sta_{s}.jsonl') for s in txt}
    expected = _frequency_prior_metrics(txt['train'], txt['test'])
    assert _frequency_prior_metrics(jsonl['train'], jsonl['test']) == expected
    assert (round(expected['R1@0.5'], 2), round(expected['R5@0.5'], 2)) == (29.19, 76.91)
    # and through tools/test.py with the jsonl config
    out = tmp_path / 'metrics.json'
    proc = subprocess.run([sys.executable, 'tools/test.py',
                           'configs/baselines/freqprior_charades-sta_jsonl.py',
                           '--cfg-options', f'data_root={root}', '--work-dir',
                           str(tmp_path / 'wd'), '--dump-metrics', str(out), '--quiet'],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = json.loads(out.read_text())
    assert {k: metrics[k] for k in expected if k in metrics} == \
        {k: v for k, v in expected.items() if k in metrics}
