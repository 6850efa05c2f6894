"""``tools/benchmark.py``'s command line: ``--list`` and the child's run key."""
from dscnet_plugin.benchmark.cli import main, output_paths, parse_args
from dscnet_plugin.benchmark.locations import REPO
from dscnet_plugin.benchmark.plan import all_runs, make_plan


def test_list_names_every_run_with_its_estimate(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # main changes into the checkout; the fixture changes back
    lines = main(['--list', '--quick'])
    runs = all_runs(make_plan(True))
    assert len(lines) == len(runs) + 1 and 'min of runs in all' in lines[-1]
    for run, line in zip(runs, lines):
        assert run.key in line and run.config in line
        assert ('evaluation only' in line) == (not run.trains)
    assert any('boundaryfrequencyprior' in line for line in lines)


def test_quick_reports_default_under_work_dirs():
    md, js = output_paths(parse_args(['--quick']))
    assert md == str(REPO / 'work_dirs/benchmark/benchmarks_quick.md')
    assert js == str(REPO / 'work_dirs/benchmark/benchmarks_quick.json')
    md, js = output_paths(parse_args([]))
    assert md == str(REPO / 'docs/benchmarks.md')
    assert js == str(REPO / 'docs/results/benchmarks.json')
