"""One tiny measurement of every stage of both datasets, shared by the
tests of this folder (each stage in its own process: the expensive part)."""
import pytest

from dscnet_plugin.benchmark.stages.report import measure, write_json

from ...tool_loader import REPO

SCALE = 0.003  # ~16 Charades training videos


@pytest.fixture(scope='session')
def tiny_run(tmp_path_factory):
    """``(result, json_path)`` of ``measure`` with ``--small`` dimensions at
    :data:`SCALE`, written after every stage and at the end (as the tool
    does)."""
    out = tmp_path_factory.mktemp('stage_speed') / 'stage_speed.json'
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO)  # the configs are relative to the repository root
        result = measure(('charades', 'activitynet'), 'cpu', SCALE, small=True,
                         on_stage=lambda r: write_json(r, str(out)))
    write_json(result, str(out))
    return result, out
