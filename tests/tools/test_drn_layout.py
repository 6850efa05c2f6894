"""DSCNet on mmaction2's DRN Charades-STA layout, through ``tools/train.py``
and ``tools/test.py`` with ``configs/dscnet_charades_drn.py``.

The test writes the folder mmaction2 1.2.0's ``tools/data/charades-sta``
prepares (its file names; a handful of videos, 8-d features instead of
4096-d C3D): ``Charades_sta_{train,test}.txt``, ``Charades_duration.json``
(numbers), ``Charades_fps_dict.json`` (strings), ``Charades_frames_info.json``,
``Charades_word2id.json`` and ``C3D_unit16_overlap0.5_merged/{vid}.pt``
(``torch.save`` tensors, one in torch's legacy format). The config is used
with ``data_root`` moved and, besides it, only size overrides: feature width,
model widths, schedule, tiny word vectors, no loader workers.
"""
import json
import sys
from pathlib import Path
from unittest import mock

import pytest
import torch
from mmengine.config import Config

from dscnet_plugin.registry import DATA_SOURCES, DATASETS
from dscnet_plugin.utils import apply_cli_options, build_pinned, parse_options
from tests.engine.tiny_config import isolated_run
from tests.tool_loader import load_tool

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs' / 'dscnet_charades_drn.py'
BASE_CONFIG = REPO / 'configs' / 'dscnet_charades.py'
TOOLS = {name: load_tool(f'tools/{name}.py') for name in ('train', 'test')}
DIM = 8
#: video id -> (seconds, fps): the fps dict holds strings, as DRN's does.
VIDEOS = {'AO8RW': (20.5, '29.97'), '3MSZA': (31.2, '24'), 'Y6R7T': (15.0, '30'),
          'BTW1H': (30.93, '29.97'), '0YXN6': (31.44, '25'), 'HM7J7': (30.16, '29.97')}
TRAIN = ['AO8RW 0.0 6.9##a person is putting a book on a shelf.',
         'AO8RW 5.2 12.1##person opens the door.',
         '3MSZA 24.3 30.4##person turns on the light.',
         '3MSZA 0.0 8.6##a person sits on a chair.',
         'Y6R7T 2.1 9.8##the person opens a book.',
         'BTW1H 10.0 20.3##a person holds a cup.']
TEST = ['0YXN6 1.5 10.2##a person opens the door.',
        'HM7J7 12.0 21.7##person puts a book on the shelf.',
        'HM7J7 0.0 5.4##a person sits on the chair.']
#: Everything but ``data_root`` is a size: the feature width, the model,
#: the schedule, the word vectors (tiny, next to the data), the loaders.
SIZES = {
    'video_features.feature_dim': DIM, 'model.video_encoder.in_dim': DIM,
    'model.video_encoder.embed_dim': 16, 'model.video_encoder.num_heads': 2,
    'model.text_encoder.hidden_dim': 16, 'model.text_encoder.neck_dim': 8,
    'model.text_encoder.num_necks': 2, 'model.specific_head.joint_dim': 16,
    'model.foreground_head.hidden_dim': 8, 'model.clusterer.num_clusters': 4,
    'model.pseudo_labeller.num_iters': 10,
    'model.word_vectors.type': 'GloveTextVectors', 'model.word_vectors.path': 'glove_4d.txt',
    'custom_hooks.0.epochs': 2, 'custom_hooks.1.iterations': 1,
    'train_dataloader.num_workers': 0, 'train_dataloader.persistent_workers': False,
    'train_dataloader.batch_size': 8}


def write_drn_layout(root: Path) -> None:
    """mmaction2's ``data/CharadesSTA`` with tiny content."""
    feats = root / 'C3D_unit16_overlap0.5_merged'
    feats.mkdir(parents=True)
    gen = torch.Generator().manual_seed(0)
    frames = {}
    for i, (vid, (seconds, fps)) in enumerate(VIDEOS.items()):
        frames[vid] = round(seconds * float(fps))
        units = frames[vid] // 8  # 16-frame units, overlap 0.5
        legacy = dict(_use_new_zipfile_serialization=False) if i == 0 else {}
        torch.save(torch.randn(units, DIM, generator=gen), feats / f'{vid}.pt', **legacy)
    (root / 'Charades_sta_train.txt').write_text('\n'.join(TRAIN) + '\n')
    (root / 'Charades_sta_test.txt').write_text('\n'.join(TEST) + '\n')
    (root / 'Charades_duration.json').write_text(
        json.dumps({vid: s for vid, (s, _) in VIDEOS.items()}, indent=4))
    (root / 'Charades_fps_dict.json').write_text(
        json.dumps({vid: f for vid, (_, f) in VIDEOS.items()}, indent=4))
    (root / 'Charades_frames_info.json').write_text(json.dumps(frames, indent=4))
    words = sorted({w for line in TRAIN + TEST for w in line.split('##')[1].strip('.').split()})
    (root / 'Charades_word2id.json').write_text(
        json.dumps({w: i for i, w in enumerate(words)}))


def write_glove(path: Path, words) -> None:
    gen = torch.Generator().manual_seed(1)
    path.write_text(''.join(f'{w} ' + ' '.join(f'{x:.4f}' for x in torch.randn(4, generator=gen))
                            + '\n' for w in words))


def _options() -> list:
    return ['data_root=CharadesSTA'] + [f'{k}={v}' for k, v in SIZES.items()]


def _run(tool: str, *argv: str) -> None:
    module = TOOLS[tool]
    with mock.patch.object(sys, 'argv', [f'tools/{tool}.py', *argv]):
        module.run_tool(module.main)


@pytest.fixture
def fast_pretty_text():
    """A plain ``key = repr(value)`` text instead of mmengine's yapf
    formatting of the config (~1.7 s at each start and checkpoint)."""
    with mock.patch.object(Config, 'pretty_text', property(
            lambda cfg: '\n'.join(f'{k} = {v!r}' for k, v in cfg.to_dict().items()))):
        yield


def _without_files(node):
    """``node`` with each annotation / feature reader dict replaced by its
    type, and no ``data_root``."""
    if isinstance(node, dict):
        if node.get('type') in ('CharadesSTAAnnotation', 'VideoFeatures'):
            return node['type']
        return {k: _without_files(v) for k, v in node.items() if k != 'data_root'}
    if isinstance(node, (list, tuple)):
        return [_without_files(v) for v in node]
    return node


def test_the_drn_config_differs_from_dscnet_charades_only_in_the_files():
    drn, base = (Config.fromfile(str(p)).to_dict() for p in (CONFIG, BASE_CONFIG))
    assert drn != base
    assert _without_files(drn) == _without_files(base)


def test_drn_layout_trains_and_tests_with_only_data_root_moved(tmp_path, fast_pretty_text):
    root = tmp_path / 'CharadesSTA'
    write_drn_layout(root)
    words = {w for line in TRAIN + TEST for w in line.split('##')[1].strip('.').split()}
    write_glove(tmp_path / 'glove_4d.txt', sorted(words))
    with isolated_run(tmp_path):
        # the config's readers read the layout as it is: the training videos,
        # the features of the .pt files (the legacy-format one included)
        cfg = apply_cli_options(Config.fromfile(str(CONFIG)), str(CONFIG),
                                parse_options(_options()), 'unused')
        dataset = build_pinned(DATASETS, cfg.train_dataloader.dataset)
        assert {dataset.get_data_info(i)['video_id'] for i in range(len(dataset))} == {
            line.split()[0] for line in TRAIN}
        reader = build_pinned(DATA_SOURCES, cfg.train_dataloader.dataset.pipeline.load.reader)
        for vid in VIDEOS:
            saved = torch.load(root / 'C3D_unit16_overlap0.5_merged' / f'{vid}.pt',
                               weights_only=True)
            assert torch.equal(torch.from_numpy(reader[vid]), saved), vid
        _run('train', str(CONFIG), '--work-dir', 'work', '--cfg-options', *_options())
        checkpoints = sorted(p.name for p in Path('work').glob('epoch_*.pth'))
        assert checkpoints[-1] == 'epoch_2.pth', checkpoints  # L=1 x N_e=2 x 1 epoch
        _run('test', str(CONFIG), 'work/epoch_2.pth', '--work-dir', 'work_test',
             '--dump-metrics', 'metrics.json', '--cfg-options', *_options())
        metrics = json.loads(Path('metrics.json').read_text())
        logs = '\n'.join(p.read_text() for p in sorted(Path('work').glob('*/*.log')))
    assert {'R1@0.5', 'R5@0.5', 'mIoU'} <= set(metrics)
    assert all(0 <= metrics[k] <= 100 for k in ('R1@0.3', 'R1@0.5', 'R5@0.5', 'mIoU'))
    assert '[relabel] initial labels' in logs and '[cluster]' in logs
    assert 'results beside the no-video priors' in logs
