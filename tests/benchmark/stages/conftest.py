"""One tiny measurement of every stage of both datasets, shared by the
tests of this folder (each stage in its own process: the expensive part),
measured once per test session, also across pytest-xdist workers."""
import fcntl
import json
import os
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest

from dscnet_plugin.benchmark.stages.report import measure, write_json

from ...tool_loader import REPO

SCALE = 0.003  # ~16 Charades training videos


def _measure(out: Path) -> Dict[str, Any]:
    """``measure`` with ``--small`` dimensions at :data:`SCALE`, written to
    ``out`` after every stage and at the end (as the tool does); no ``out``
    left behind when it fails."""
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(REPO)  # the configs are relative to the repository root
            result = measure(('charades', 'activitynet'), 'cpu', SCALE, small=True,
                             on_stage=lambda r: write_json(r, str(out)))
        write_json(result, str(out))
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return result


@pytest.fixture(scope='session')
def tiny_run(tmp_path_factory) -> Tuple[Dict[str, Any], Path]:
    """``(result, json_path)`` of the tiny measurement. Under pytest-xdist
    the first worker measures and the others read its JSON."""
    if not os.environ.get('PYTEST_XDIST_WORKER'):
        out = tmp_path_factory.mktemp('stage_speed') / 'stage_speed.json'
        return _measure(out), out
    shared = tmp_path_factory.getbasetemp().parent  # the same for every worker of a run
    out = shared / 'stage_speed.json'
    with open(shared / 'stage_speed.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not out.exists():
            return _measure(out), out
    return json.loads(out.read_text()), out
