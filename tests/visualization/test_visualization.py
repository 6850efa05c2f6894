"""Pictures: ``GroundingVisualizer`` and ``GroundingVisualizationHook`` during
validation, the relabel hook's label history, the plot helpers, and
``tools/visualize.py``, on a tiny DSCNet trained once for the module."""
import copy
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from matplotlib.image import imread
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import Runner
from mmengine.visualization import BaseVisBackend, Visualizer

from dscnet_plugin.apis import init_model
from dscnet_plugin.engine import GroundingVisualizationHook, IterativeRelabelHook
from dscnet_plugin.registry import DATASETS, VISUALIZERS
from dscnet_plugin.structures import GroundingDataSample
from dscnet_plugin.utils import build_pinned
from dscnet_plugin.visualization import (GroundingVisualizer, match_groups,
                                         plot_label_evolution, plot_neck_tsne, word_forms)

from ..engine.tiny_config import (close_file_logs, isolated_run, TINY_CLUSTERS, TINY_EPOCHS, TINY_FRAMES, TINY_NECKS, Probe,
                                  hook_cfg, make_tiny_cfg)
from tests.tool_loader import load_tool

REPO = Path(__file__).resolve().parents[2]
RECORDED = [0, 3]
NUM_DRAWN = 2


def assert_picture(path: Path, min_height: int = 150, min_width: int = 300) -> None:
    """A real PNG: > 5 kB, H x W x 3/4, not one flat colour."""
    assert path.is_file(), path
    assert path.stat().st_size > 5000, (path, path.stat().st_size)
    image = imread(str(path))
    assert image.ndim == 3 and image.shape[2] in (3, 4), image.shape
    assert image.shape[0] >= min_height and image.shape[1] >= min_width, image.shape
    assert float(image[..., :3].std()) > 0.01, path


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    """Train the tiny DSCNet once in a fresh folder (the module's working
    directory: relative paths, as long absolute ones make mmengine's yapf
    formatting of the config slow), with the label history of two videos
    and the visualization hook on (``GroundingVisualizer`` with a
    ``LocalVisBackend``)."""
    root = tmp_path_factory.mktemp('visualization')
    with isolated_run(root):
        cfg = make_tiny_cfg(Path('data'), Path('work'))
        cfg.default_hooks.checkpoint.interval = TINY_EPOCHS  # one checkpoint, at the end
        cfg.custom_hooks = [h for h in cfg.custom_hooks
                            if h['type'] != 'PriorComparisonHook']
        hook_cfg(cfg, 'IterativeRelabelHook').update(record_videos=RECORDED)
        cfg.custom_hooks.append(dict(type='GroundingVisualizationHook', num_samples=NUM_DRAWN))
        cfg.visualizer = dict(type='GroundingVisualizer',
                              vis_backends=[dict(type='LocalVisBackend')])
        cfg.experiment_name = f'visualization_{id(cfg)}'
        runner = Runner.from_cfg(cfg)
        probe = Probe()
        runner.register_hook(probe)
        runner.train()
        close_file_logs(runner)
        cfg.dump('tiny_dscnet.py')
        checkpoint = Path('work', f'epoch_{TINY_EPOCHS}.pth')
        assert checkpoint.is_file()
        yield SimpleNamespace(root=root, config='tiny_dscnet.py', checkpoint=str(checkpoint),
                              runner=runner, probe=probe, log_dir=Path(runner.log_dir))


@pytest.fixture(scope='module')
def model(run):
    return init_model(Config.fromfile(run.config), run.checkpoint)


def _sample(duration=10.0, **fields) -> GroundingDataSample:
    sample = GroundingDataSample(metainfo=dict(query='person opens the door.',
                                               duration=duration, video_id='vid'))
    for k, v in fields.items():
        setattr(sample, k, v)
    return sample


FRAME_SCORES = np.r_[np.full(4, 0.05), np.linspace(0.4, 1.0, 6), np.full(6, 0.1)]


# ----------------------------------------------------------------------------
# Label history of IterativeRelabelHook
# ----------------------------------------------------------------------------
def test_label_history_has_one_entry_per_relabel(run):
    history = torch.load(run.runner.work_dir + '/label_history.pt', map_location='cpu',
                         weights_only=True)
    num = 1 + TINY_EPOCHS  # the initial labels, then one relabel per (iteration, neck)
    assert history['video_indices'].tolist() == RECORDED
    dataset = run.runner.train_dataloader.dataset
    assert history['video_ids'] == [dataset.get_data_info(i)['video_id'] for i in RECORDED]
    labels = history['labels']
    assert labels.dtype == torch.bool
    assert labels.shape == (num, len(RECORDED), TINY_NECKS, TINY_CLUSTERS, TINY_FRAMES)
    assert history['iteration'].tolist() == [0, 1, 1, 2, 2]
    assert history['neck'].tolist() == [-1, 0, 1, 0, 1]
    assert history['epoch'].tolist() == list(range(num))
    # each entry is the bank as training used it, after that relabelling
    banks = [run.probe.initial_bank] + run.probe.banks
    for s in range(num):
        assert torch.equal(labels[s], banks[s][RECORDED].cpu()), s
    # a relabel changes its own neck only
    for s in range(1, num):
        neck = int(history['neck'][s])
        others = [n for n in range(TINY_NECKS) if n != neck]
        assert torch.equal(labels[s][:, others], labels[s - 1][:, others])


def test_label_history_off_by_default_and_checked(tmp_path):
    hook = IterativeRelabelHook()
    assert hook.record_videos == []
    hook._record(None, iteration=0, neck=-1, epoch=0)  # no runner needed: nothing done
    assert hook._history == []
    runner = SimpleNamespace(
        model=SimpleNamespace(num_necks=2),
        train_loop=SimpleNamespace(max_epochs=hook.iterations * 2 * hook.epochs_per_stage),
        train_dataloader=SimpleNamespace(dataset=[None] * 3))
    with pytest.raises(ValueError, match=r'record_videos \[3\]: the training set has 3'):
        IterativeRelabelHook(record_videos=[0, 3]).before_train(runner)


def test_label_history_continues_after_resume(tmp_path):
    """A resumed run keeps the saved entries of the epochs its checkpoint has
    done and appends after them."""
    labels = torch.rand(5, 1, 2, 3, 4) > 0.5
    torch.save(dict(video_indices=torch.tensor([1]), video_ids=['v1'], labels=labels,
                    iteration=torch.tensor([0, 1, 1, 2, 2]), neck=torch.tensor([-1, 0, 1, 0, 1]),
                    epoch=torch.arange(5)), tmp_path / 'label_history.pt')
    bank = torch.zeros(4, 2, 3, 4, dtype=torch.bool)
    runner = SimpleNamespace(work_dir=str(tmp_path), epoch=2,
                             model=SimpleNamespace(pseudo_labels=bank),
                             train_dataloader=SimpleNamespace(dataset=SimpleNamespace(
                                 get_data_info=lambda i: dict(video_id=f'v{i}'))))
    hook = IterativeRelabelHook(record_videos=[1])
    hook._resume_history(runner)
    assert [h['epoch'] for h in hook._history] == [0, 1, 2]
    hook._record(runner, iteration=2, neck=0, epoch=3)
    saved = torch.load(tmp_path / 'label_history.pt', weights_only=True)
    assert saved['epoch'].tolist() == [0, 1, 2, 3]
    assert torch.equal(saved['labels'][:3], labels[:3])
    assert not saved['labels'][3].any()


# ----------------------------------------------------------------------------
# Visualizer and hook
# ----------------------------------------------------------------------------
def test_validation_sends_pictures_to_the_local_backend(run):
    assert isinstance(run.runner.visualizer, GroundingVisualizer)
    assert len(run.probe.val_metrics) == 1  # one validation, at the end
    files = sorted((run.log_dir / 'vis_data' / 'vis_image').glob('*.png'))
    step = run.runner.iter
    assert [f.name for f in files] == [f'val_sample{i}_{step}.png' for i in range(NUM_DRAWN)]
    for f in files:
        assert_picture(f)


def test_hook_draws_chosen_samples_through_a_plain_visualizer(run, model, tmp_path):
    cfg = Config.fromfile(run.config)
    dataset = build_pinned(DATASETS, copy.deepcopy(cfg.test_dataloader.dataset))
    batch = pseudo_collate([dataset[i] for i in range(4)])
    with torch.no_grad():
        outputs = model.test_step(copy.deepcopy(batch))
    visualizer = Visualizer.get_instance(f'plain_{id(tmp_path)}', save_dir=str(tmp_path),
                                         vis_backends=[dict(type='LocalVisBackend')])
    runner = SimpleNamespace(model=model, visualizer=visualizer, iter=7)
    hook = GroundingVisualizationHook(sample_indices=[3, 100])
    hook.after_test_iter(runner, 0, batch, outputs)
    files = list((tmp_path / 'vis_data' / 'vis_image').glob('*.png'))
    assert [f.name for f in files] == ['test_sample3_7.png']
    assert_picture(files[0])
    with pytest.raises(ValueError, match='interval'):
        GroundingVisualizationHook(interval=0)


class RecordingBackend(BaseVisBackend):
    """Keeps what it receives (stands for TensorBoard, W&B... backends)."""

    def __init__(self) -> None:
        super().__init__(save_dir=None)
        self.images = []

    def _init_env(self) -> None:
        pass

    @property
    def experiment(self):
        return self

    def add_image(self, name, image, step=0, **kwargs) -> None:
        self.images.append((name, image, step))


def test_grounding_visualizer_renders_and_records(tmp_path):
    recorder = RecordingBackend()
    vis = VISUALIZERS.build(dict(type='GroundingVisualizer', name=f'gv_{id(tmp_path)}',
                                 save_dir=str(tmp_path),
                                 vis_backends=[dict(type='LocalVisBackend'), recorder]))
    assert isinstance(vis, GroundingVisualizer)
    sample = _sample(gt_moment=[2.5, 6.0], pred_moments=[[2.5, 6.25], [0.0, 10.0]],
                     pred_scores=[1.0, 0.3])
    image = vis.add_datasample('demo', data_sample=sample, frame_scores=FRAME_SCORES, step=3)
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert image.shape[:2] == (300, 900)  # figsize (9, 3) at 100 dpi
    assert_picture(tmp_path / 'vis_data' / 'vis_image' / 'demo_3.png')
    # every backend gets the same RGB array, name and step
    [(name, sent, step)] = recorder.images
    assert (name, step) == ('demo', 3) and sent is image
    # the scores may be a field of the sample (GroundingInferencer's samples);
    # out_file writes there instead of the backends
    sample.frame_scores = torch.as_tensor(FRAME_SCORES)
    vis.add_datasample('direct', data_sample=sample, out_file=str(tmp_path / 'a' / 'x.png'))
    assert_picture(tmp_path / 'a' / 'x.png')
    assert not (tmp_path / 'vis_data' / 'vis_image' / 'direct_0.png').exists()
    # no prediction, no duration: still drawn (times as fractions, no GT)
    bare = GroundingDataSample(metainfo=dict(query='q'))
    assert vis.draw_sample(bare, FRAME_SCORES).shape == image.shape
    with pytest.raises(ValueError, match='no frame scores'):
        vis.add_datasample('x', data_sample=_sample())


def test_tensorboard_backend_receives_the_pictures(tmp_path):
    pytest.importorskip('tensorboard')
    vis = GroundingVisualizer.get_instance(
        f'tb_{id(tmp_path)}', save_dir=str(tmp_path),
        vis_backends=[dict(type='TensorBoardVisBackend')])
    vis.add_datasample('val_sample0', data_sample=_sample(), frame_scores=FRAME_SCORES, step=1)
    vis.close()
    assert list((tmp_path / 'vis_data').glob('events.out.tfevents.*'))


# ----------------------------------------------------------------------------
# Plot helpers
# ----------------------------------------------------------------------------
def test_word_forms_and_groups():
    assert {'open', 'opens', 'opening', 'opened'} <= word_forms('open')
    assert {'run', 'runs', 'running', 'ran'} <= word_forms('run')
    assert {'drinks', 'drinking', 'drank'} <= word_forms('drink')
    assert {'cups', 'glasses', 'closing', 'tidied'} <= (word_forms('cup') | word_forms('glass')
                                                        | word_forms('close')
                                                        | word_forms('tidy'))
    sentences = ['A person drinks from a cup.', 'person runs and eats', 'person sits down',
                 'someone opens the cupboard', 'person is eating']
    assert match_groups(sentences, ['drink', 'eat', 'run']).tolist() == [0, -2, -1, -1, 1]
    assert match_groups(sentences, {'food': ['eat', 'drink']}).tolist() == [0, 0, -1, -1, 0]
    assert match_groups(sentences, ['cup']).tolist() == [0, -1, -1, -1, -1]


def test_plot_neck_tsne(tmp_path):
    rng = np.random.default_rng(0)
    words = ['open', 'close', 'wash']
    sentences = [f'person {w} the box.' for w in ('opens', 'closed', 'is washing')
                 for _ in range(8)] + ['someone sits.'] * 6
    necks = rng.normal(size=(len(sentences), 2, 5))
    fig = plot_neck_tsne(necks, sentences, words, out_file=str(tmp_path / 't.png'),
                         max_others=3)
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ['neck 1', 'neck 2']
    # 3 grey context points + 8 per word, in every panel
    assert [len(c.get_offsets()) for c in fig.axes[0].collections] == [3, 8, 8, 8]
    assert_picture(tmp_path / 't.png')
    with pytest.raises(ValueError, match='hold one of'):
        plot_neck_tsne(necks, sentences, ['drink'])
    with pytest.raises(ValueError, match='M x N_e x d_e'):
        plot_neck_tsne(necks[:3], sentences, words)


def test_plot_label_evolution(tmp_path):
    labels = torch.rand(3, TINY_NECKS, TINY_CLUSTERS, TINY_FRAMES) > 0.5
    fig = plot_label_evolution(labels, times=12.0, gt_segments=[(2.0, 5.0)],
                               out_file=str(tmp_path / 'l.png'))
    assert [ax.get_title(loc='left') for ax in fig.axes] == ['neck 1', 'neck 2']
    assert fig.axes[0].get_xlim() == (0.0, 12.0)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == \
        ['iteration 0', 'iteration 1', 'iteration 2']
    assert_picture(tmp_path / 'l.png')
    one = plot_label_evolution(labels[:, 0], row_labels=['initial', 'it 1', 'it 2'])
    assert len(one.axes) == 1 and one.axes[0].get_xlim() == (0.0, TINY_FRAMES)
    with pytest.raises(ValueError, match='S x N_c x T'):
        plot_label_evolution(labels[0, 0])
    with pytest.raises(ValueError, match='frame edges'):
        plot_label_evolution(labels[:, 0], times=[0.0, 1.0])
    with pytest.raises(ValueError, match='row_labels'):
        plot_label_evolution(labels[:, 0], row_labels=['only one'])


# ----------------------------------------------------------------------------
# tools/visualize.py
# ----------------------------------------------------------------------------
def test_visualize_tool_writes_the_three_kinds(run):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore',
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get('PYTHONPATH', '')]))
    proc = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'visualize.py'), run.config, run.checkpoint,
         '--kind', 'all', '--out-dir', 'pictures', '--samples', '0', '2',
         '--video-index', str(RECORDED[1])],
        cwd=run.root, env=env, capture_output=True, text=True, timeout=180)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    pictures = run.root / 'pictures'
    expected = ['labels_video3.png', 'scores_sample0.png', 'scores_sample2.png',
                'tsne_objects.png', 'tsne_verbs.png']
    assert sorted(p.name for p in pictures.glob('*.png')) == expected, out[-3000:]
    for name in expected:
        assert_picture(pictures / name)
    # the demo vocabulary lacks the paper's verbs: demo verbs, with a note
    assert "the paper's verbs ['drink', 'eat', 'run', 'walk']" in proc.stdout
    assert 'using the label history next to the checkpoint' in proc.stdout
    assert f'{len(expected)} pictures written to pictures' in proc.stdout


def test_visualize_tool_labels_without_history(run, model, tmp_path, capsys):
    tool = load_tool('tools/visualize.py')
    args = SimpleNamespace(video_index=1, label_history=None,
                           checkpoint=str(tmp_path / 'elsewhere.pth'))
    [out] = tool.draw_labels(model, Config.fromfile(run.config), args, str(tmp_path))
    assert 'no label history' in capsys.readouterr().out
    assert Path(out).name == 'labels_video1.png'
    assert_picture(Path(out))
    args.label_history = str(Path(run.runner.work_dir, 'label_history.pt'))
    with pytest.raises(SystemExit, match=r'records videos \[0, 3\], not --video-index 1'):
        tool.draw_labels(model, Config.fromfile(run.config), args, str(tmp_path))
