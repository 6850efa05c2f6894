"""``tools/train.py`` trains the DSCNet demo config (on tiny data) end to end;
the console shows the run, the work dir's log file everything."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from dscnet_plugin.evaluation import GroundingRecall
from dscnet_plugin.registry import DATASETS, MODELS
from dscnet_plugin.utils import build_pinned
from dscnet_plugin.visualization import METRIC_KEYS

from tests.engine.tiny_config import DEMO_CONFIG, hook_cfg, make_tiny_cfg

REPO = Path(__file__).resolve().parents[2]
#: What mmengine logs that belongs in the log file only.
FILE_ONLY = ('System environment:', 'Config:\n', 'Hooks will be executed in the following order:',
             'Exp name: ')


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


def _prior_metrics(cfg: Config, root: Path) -> dict:
    """``{prior: metrics}``: each default prior of the hook fitted on the
    config's training annotation and evaluated by its own forward on the
    test samples (read from ``root``, where the run wrote the data)."""
    train = hook_cfg(cfg, 'PriorComparisonHook')['train_annotation']
    evaluator = {k: v for k, v in cfg.test_evaluator.items() if k != 'type'}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        dataset = build_pinned(DATASETS, dict(type='GroundingDataset',
                                              annotation=cfg.test_dataloader.dataset.annotation,
                                              pipeline=[dict(type='PackGroundingInputs')],
                                              test_mode=True))
        samples = [dataset[i]['data_samples'] for i in range(len(dataset))]
        out = {}
        for name in ('FrequencyPrior', 'MeanMomentPrior', 'PredictAllPrior', 'RandomPrior'):
            needs_train = name in ('FrequencyPrior', 'MeanMomentPrior')
            prior = build_pinned(MODELS, dict(type=name, **(
                dict(train_annotation=train) if needs_train else {})))
            metric = GroundingRecall(**evaluator)
            metric.process(None, [x.to_dict() for x in prior(None, samples, mode='predict')])
            out[name] = metric.compute_metrics(metric.results)
    return out


def demo_shaped_cfg() -> Config:
    """The tiny config with ``configs/dscnet_demo.py``'s schedule and logging:
    30 language epochs, 2 iterations x 4 necks x 4 epochs, its logger and
    checkpoint settings (what decides the number of console lines)."""
    demo = Config.fromfile(str(DEMO_CONFIG))
    # paths relative to the run's folder: long absolute paths make mmengine's
    # yapf formatting of the (large, interpolated) config very slow
    cfg = make_tiny_cfg(Path('data'), Path('unused_work_dir'))
    cfg.default_hooks = demo.default_hooks
    cfg.model.text_encoder.num_necks = demo.model.text_encoder.num_necks
    for name, fields in (('SemanticClusteringHook', ('epochs',)),
                         ('IterativeRelabelHook', ('iterations', 'epochs_per_stage'))):
        hook_cfg(cfg, name).update({f: hook_cfg(demo, name)[f] for f in fields})
    # one logged line per epoch here and in the demo (15 iterations per epoch there)
    assert -(-demo.generator.num_train_videos // demo.train_dataloader.batch_size) \
        <= demo.default_hooks.logger.interval
    return cfg


def test_train_tool_runs_the_demo_with_a_short_console(tmp_path):
    cfg = demo_shaped_cfg()
    language, relabel = (hook_cfg(cfg, n)
                         for n in ('SemanticClusteringHook', 'IterativeRelabelHook'))
    stages = relabel['iterations'] * cfg.model.text_encoder.num_necks  # 2 x 4
    epochs = stages * relabel['epochs_per_stage']  # 32
    config = tmp_path / 'demo_shaped.py'
    cfg.dump(str(config))
    work_dir = tmp_path / 'work'
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore',
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get('PYTHONPATH', '')]))
    proc = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'train.py'), config.name, '--work-dir', 'work'],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    console = re.sub(r'\x1b\[[0-9;]*m', '', proc.stdout + proc.stderr)  # colours, if forced
    assert proc.returncode == 0, console[-5000:]
    logs = sorted(work_dir.glob('*/*.log'))
    assert len(logs) == 1, logs
    text = logs[0].read_text(encoding='utf-8')

    # the console: at most 150 lines, the stages, the losses and the result table
    lines = console.splitlines()
    assert len(lines) <= 150, len(lines)
    # first the checks before the Runner (tools/train.py's guarded_training): the
    # demo data written, the inputs checked; then the Runner names its log file
    assert [line.split(' - INFO - ')[1].split(' ')[:3] for line in lines[:2]] == [
        ['synthetic', 'grounding', 'data'], ['inputs', 'checked:', '2']], lines[:3]
    assert lines[2].endswith(f'environment, config and hook order: {logs[0]}'), lines[2]
    assert sum('[language] epoch' in line for line in lines) == language['epochs'] == 30
    assert sum('Epoch(train)' in line and 'loss_cls' in line for line in lines) == epochs
    assert sum('[relabel] iteration' in line for line in lines) == stages
    for marker in ('[cluster]', '[relabel] initial labels', '[video] iteration 2/2, neck 4/4'):
        assert marker in console, marker
    # the log file: all of that, and the environment, the whole config, the hook order
    for marker in FILE_ONLY:
        assert marker in text and marker not in console, marker
    dump = text[text.index('Config:\n'):text.index('Hooks will be executed')]
    assert {key for key in cfg.keys() if f'\n{key} = ' not in dump} == set()
    assert [line for line in lines if line not in text] == []

    # the loop length came from the hook, not from train_cfg.max_epochs
    assert f'(train_cfg.max_epochs was {cfg.train_cfg.max_epochs})' in console
    rows = _table_rows(console)
    assert set(rows) == {'DSCNet', 'DSCNet (other-video queries)', 'FrequencyPrior',
                         'MeanMomentPrior', 'PredictAllPrior', 'RandomPrior'}, rows
    assert rows == _table_rows(text)
    for name, values in rows.items():
        assert len(values) == 7 and all(0 <= v <= 100 for v in values), (name, values)
    # the prior rows are exactly each prior evaluated on its own (2 decimals printed)
    for name, expected in _prior_metrics(cfg, tmp_path).items():
        assert rows[name] == pytest.approx([expected[k] for k in METRIC_KEYS], abs=0.0051), name
    # checkpoints every 4 epochs, the last 3 kept
    ckpt = work_dir / f'epoch_{epochs}.pth'
    assert sorted(p.name for p in work_dir.glob('*.pth')) == [
        f'epoch_{e}.pth' for e in (epochs - 8, epochs - 4, epochs)]
    assert (work_dir / 'last_checkpoint').read_text().strip().endswith(ckpt.name)
    state = torch.load(ckpt, map_location='cpu', weights_only=True)['state_dict']
    assert bool(state['centers_ready']) and bool(state['labels_ready'])
    assert not (tmp_path / 'unused_work_dir').exists()  # --work-dir won
