"""``tools/train.py`` trains a (tiny) DSCNet demo config end to end."""
import os
import re
import subprocess
import sys
from pathlib import Path

import torch

from tests.engine.tiny_config import TINY_EPOCHS, TINY_ITERATIONS, make_tiny_cfg

REPO = Path(__file__).resolve().parents[2]


def _table_rows(text: str) -> dict:
    """``{row name: [numbers]}`` of the last prior-comparison table."""
    start = text.rindex('results beside the no-video priors')
    lines = text[start:].splitlines()[1:]
    assert lines[0].split()[0] == 'method', lines[:2]
    rows = {}
    for line in lines[2:]:
        m = re.match(r'^(\S.*?)\s+((?:-?[\d.]+\s+){6}-?[\d.]+)\s*$', line)
        if not m:
            break
        rows[m.group(1).strip()] = [float(x) for x in m.group(2).split()]
    return rows


def test_train_tool_runs_the_tiny_demo(tmp_path):
    # paths relative to the run's folder: long absolute paths make mmengine's
    # yapf formatting of the (large, interpolated) config very slow
    cfg = make_tiny_cfg(Path('data'), Path('unused_work_dir'))
    cfg.default_hooks.checkpoint.interval = TINY_EPOCHS  # one checkpoint, at the end
    config = tmp_path / 'tiny_dscnet_demo.py'
    cfg.dump(str(config))
    work_dir = tmp_path / 'work'
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore',
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get('PYTHONPATH', '')]))
    proc = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'train.py'), config.name, '--work-dir', 'work'],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-5000:]
    logs = sorted(work_dir.glob('*/*.log'))
    assert len(logs) == 1, logs
    text = logs[0].read_text(encoding='utf-8')
    for log in (text, output):
        assert '[language] epoch' in log
        assert '[cluster]' in log
        assert '[relabel] initial labels' in log
        assert f'[relabel] iteration {TINY_ITERATIONS}' in log
        assert 'results beside the no-video priors' in log
    # the loop length came from the hook, not from train_cfg.max_epochs
    assert f'(train_cfg.max_epochs was {cfg.train_cfg.max_epochs})' in text
    rows = _table_rows(text)
    assert {'DSCNet', 'DSCNet (queries shuffled)', 'FrequencyPrior', 'MeanMomentPrior',
            'PredictAllPrior', 'RandomPrior'} <= set(rows), rows
    for name, values in rows.items():
        assert len(values) == 7 and all(0 <= v <= 100 for v in values), (name, values)
    ckpt = work_dir / f'epoch_{TINY_EPOCHS}.pth'
    assert ckpt.is_file()
    assert [p.name for p in work_dir.glob('*.pth')] == [ckpt.name]
    assert (work_dir / 'last_checkpoint').read_text().strip().endswith(ckpt.name)
    state = torch.load(ckpt, map_location='cpu', weights_only=True)['state_dict']
    assert bool(state['centers_ready']) and bool(state['labels_ready'])
    assert not (tmp_path / 'unused_work_dir').exists()  # --work-dir won
