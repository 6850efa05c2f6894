"""The vision-language configs end to end on a tiny simulated VLM dataset:
the training-free grounder (test) and DSCNet-VLM (train + validation) read
the moment_detr layout and report beside the priors and the control."""
import copy

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from dscnet_plugin.datasets.simulation.vlm_simulate import write_vlm_layout
from dscnet_plugin.datasets.simulation.vlm_space import VLMSpace
from dscnet_plugin.engine.hooks.evaluation_recorder_hook import EvaluationRecorder
from dscnet_plugin.utils import merge_cli_options

from .datasets.simulation.vlm_fixtures import CONCEPTS, HashWordVectors, synthetic


@pytest.fixture(scope='module')
def vlm_root(tmp_path_factory):
    """48 videos of 40 s (1 s clips), one event each; train / test halves."""
    root = tmp_path_factory.mktemp('vlm')
    space = VLMSpace(HashWordVectors(), alignment=1.0, seed=0)
    space.add_concepts(CONCEPTS)
    timelines, rows = synthetic(48)
    write_vlm_layout(space, timelines, [('train', rows[:24]), ('test', rows[24:])],
                     str(root), 1.0)
    return str(root)


def _run(config, root, tmp_path, train, **options):
    cfg = merge_cli_options(Config.fromfile(config), dict(data_root=root, **options))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.default_hooks.logger.interval = 1
    recorder = EvaluationRecorder()
    runner = Runner.from_cfg(copy.deepcopy(cfg))
    runner.register_hook(recorder)
    if train:
        runner.train()
    else:
        runner.test()
    return runner, recorder.evaluations[-1]['table']


def test_zero_shot_reads_the_layout_and_uses_the_query(vlm_root, tmp_path):
    _, table = _run('configs/zeroshot_vlm_charades-sta.py', vlm_root, tmp_path, False)
    assert set(table) >= {'ZeroShotVLM', 'ZeroShotVLM (other-video queries)',
                          'FrequencyPrior', 'RandomPrior'}
    ours, control = table['ZeroShotVLM'], table['ZeroShotVLM (other-video queries)']
    assert ours['R1@0.5'] >= control['R1@0.5'] + 20
    assert control['curve_corr'] < 0.9


def test_dscnet_vlm_trains_from_the_layout(vlm_root, tmp_path):
    runner, table = _run('configs/dscnet_vlm_charades-sta.py', vlm_root, tmp_path, True,
                         **{'model.clusterer.num_clusters': 4,
                            'custom_hooks.1.iterations': 2,
                            'train_dataloader.batch_size': 8})
    model = runner.model
    assert bool(model.centers_ready) and model.centers.shape == (1, 4, 512)
    assert bool(model.labels_ready) and model.pseudo_labels.shape == (24, 1, 4, 64)
    assert runner.epoch == 2  # L x N_e x epochs_per_stage
    ours, control = table['DSCNet-VLM'], table['DSCNet-VLM (other-video queries)']
    assert ours['R1@0.5'] >= control['R1@0.5'] + 20
    assert 'FrequencyPrior' in table


def test_qvhighlights_priors_and_control_get_the_retrieval_metrics(vlm_root, tmp_path):
    """Several windows a query (moment_detr metrics) beside the priors."""
    import json
    import os
    import shutil
    root = tmp_path / 'qvh'
    shutil.copytree(vlm_root, root)
    rows = [json.loads(line) for line in (root / 'test.jsonl').read_text().splitlines()]
    for r in rows:  # a second window per query: the last 2 s of the video
        r['relevant_windows'].append([r['duration'] - 2.0, r['duration']])
    (root / 'val.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in rows))
    os.remove(root / 'test.jsonl')
    _, table = _run('configs/zeroshot_vlm_qvhighlights.py', str(root), tmp_path, False)
    for row in ('ZeroShotVLM', 'ZeroShotVLM (other-video queries)', 'FrequencyPrior',
                'RandomPrior'):
        assert {'R1@0.5', 'R1@0.7', 'mAP@0.5', 'mAP@0.75', 'mAP', 'R5@0.5'} <= set(table[row])
    assert table['ZeroShotVLM']['mAP'] > table['ZeroShotVLM (other-video queries)']['mAP']
