"""``tools/analysis/stage_speed.py``: the thin CLI hands its options to
``dscnet_plugin.benchmark.stages.report.measure``, writes the JSON after
every stage and at the end, and prints the table (the measurement itself
is tested in ``tests/benchmark/stages``)."""
import json

from dscnet_plugin.benchmark.stages.plan import STAGES
from tests.tool_loader import load_tool

ss = load_tool('tools/analysis/stage_speed.py')

SCALE = 0.003


def test_cli_measures_writes_json_and_prints_table(tmp_path, monkeypatch, capsys):
    out = tmp_path / 'stage_speed.json'
    stage = dict(items=16, time_s=0.5, peak_rss_mb=300.0, peak_rss_delta_mb=20.0)
    dataset = dict(stages=dict(test=stage),
                   extrapolated_full_scale=dict(test=dict(time_s=166.7)))
    result = dict(environment=dict(device='cpu', device_name='cpu'), scale=SCALE,
                  datasets=dict(charades=dataset, activitynet=dataset), wall_s=1.5)
    calls, partial_files = [], []

    def fake_measure(datasets, device, scale, small, stages, threads, on_stage):
        calls.append((datasets, device, scale, small, stages, threads))
        on_stage(dict(result, wall_s=0.5))  # after a stage: the partial result
        partial_files.append(json.loads(out.read_text()))
        return result

    monkeypatch.setattr(ss, 'measure', fake_measure)
    returned = ss.main(['--dataset', 'both', '--small', '--scale', str(SCALE),
                        '--device', 'cpu', '--out', str(out)])
    assert returned is result
    assert calls == [(('charades', 'activitynet'), 'cpu', SCALE, True, list(STAGES), None)]
    assert partial_files[0]['wall_s'] == 0.5
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split()[:2] == ['dataset', 'stage']
    assert printed[1].split() == ['charades', 'test', '16', '0.50', '300', '20', '166.7']
    assert printed[-1] == 'total wall time 1.5 s on cpu'


def test_cli_options():
    args = ss.parse_args(['--dataset', 'charades', '--stages', 'relabel', 'test',
                          '--threads', '0'])
    assert (args.dataset, args.stages, args.threads, args.scale) == \
        ('charades', ['relabel', 'test'], 0, 1.0)
    assert ss.parse_args([]).stages == list(STAGES) and ss.parse_args([]).out is None
