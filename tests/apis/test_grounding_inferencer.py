"""``GroundingInferencer`` and ``tools/infer.py`` on a tiny DSCNet trained
for the module (a few seconds on a CPU)."""
import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import Runner

from dscnet_plugin.apis import GroundingInferencer
from dscnet_plugin.registry import DATASETS, INFERENCERS
from dscnet_plugin.structures import GroundingDataSample
from dscnet_plugin.utils import build_pinned
from dscnet_plugin.visualization import plot_score_curves

from ..engine.tiny_config import (TINY_EPOCHS, TINY_FRAMES, TINY_GENERATOR, close_file_logs,
                                  isolated_run, make_tiny_cfg)

REPO = Path(__file__).resolve().parents[2]
DIM = TINY_GENERATOR['feature_dim']
DURATION = 12.5
QUERIES = ['person holds the bag.', 'a person washes a blanket', 'the person opens the door']


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    """Train the tiny DSCNet in a fresh folder (the module's working
    directory: the config's paths are relative, as long absolute paths make
    mmengine's yapf formatting of the config slow) and return its files."""
    root = tmp_path_factory.mktemp('grounding_inferencer')
    with isolated_run(root):
        cfg = make_tiny_cfg(Path('data'), Path('work'))
        # an almost untrained model has a flat score curve: a strict growth
        # ratio makes several short, ranked proposals out of it
        cfg.model.grower.threshold = 0.995
        cfg.default_hooks.checkpoint.interval = TINY_EPOCHS  # one checkpoint, at the end
        cfg.custom_hooks = [h for h in cfg.custom_hooks
                            if h['type'] != 'PriorComparisonHook']
        cfg.experiment_name = f'grounding_inferencer_{id(cfg)}'
        runner = Runner.from_cfg(cfg)
        runner.train()
        close_file_logs(runner)
        cfg.dump('tiny_dscnet.py')
        checkpoint = Path('work', f'epoch_{TINY_EPOCHS}.pth')
        assert checkpoint.is_file()
        h5 = Path('data', 'features.hdf5')
        with h5py.File(h5, 'r') as f:
            video_id = sorted(f.keys())[0]
            feats = f[video_id][()]
        yield SimpleNamespace(root=root, config='tiny_dscnet.py', checkpoint=str(checkpoint),
                              h5=str(h5), video_id=video_id, feats=feats)


@pytest.fixture(scope='module')
def inferencer(run) -> GroundingInferencer:
    return GroundingInferencer(run.config, run.checkpoint, device='cpu')


def _assert_same(a, b, atol=1e-6):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x['query'] == y['query'] and x['unit'] == y['unit']
        assert len(x['segments']) == len(y['segments'])
        np.testing.assert_allclose(x['segments'], y['segments'], atol=atol)
        np.testing.assert_allclose(x['scores'], y['scores'], atol=atol)
        np.testing.assert_allclose(x['frame_scores'], y['frame_scores'], atol=atol)


def _assert_sane(result, query, top_k=5, span=DURATION):
    assert result['query'] == query
    assert result['unit'] == 'seconds' and result['duration'] == span
    segments, scores = np.asarray(result['segments']), np.asarray(result['scores'])
    assert 1 <= len(segments) <= top_k and segments.shape == (len(scores), 2)
    assert (segments[:, 0] >= 0).all() and (segments[:, 1] <= span + 1e-9).all()
    assert (segments[:, 0] < segments[:, 1]).all()
    assert (np.diff(scores) <= 0).all(), scores
    frame = np.asarray(result['frame_scores'])
    assert frame.shape == (TINY_FRAMES,)
    assert (frame >= 0).all() and frame.max() == pytest.approx(1.0)
    assert scores[0] == pytest.approx(frame.max())
    json.dumps(result)  # plain Python values


# ----------------------------------------------------------------------------
# building
# ----------------------------------------------------------------------------
def test_built_from_the_registry_and_from_the_checkpoint_alone(run, inferencer):
    built = INFERENCERS.build(dict(type='GroundingInferencer', model=run.config,
                                   weights=run.checkpoint, device='cpu'))
    assert isinstance(built, GroundingInferencer)
    assert (built.num_frames, built.max_query_len, built.feature_dim) == (TINY_FRAMES, 10, DIM)
    assert next(built.model.parameters()).device.type == 'cpu'
    assert not built.model.training
    expected = inferencer(run.feats, QUERIES[0], duration=DURATION)
    _assert_same(built(run.feats, QUERIES[0], duration=DURATION), expected)
    # a Config object, and no config at all (the one saved in the checkpoint)
    for model in (Config.fromfile(run.config), None):
        _assert_same(GroundingInferencer(model, run.checkpoint, device='cpu')(
            run.feats, QUERIES[0], duration=DURATION), expected)


def test_missing_files_are_named(run):
    with pytest.raises(FileNotFoundError, match='nope.py'):
        GroundingInferencer('nope.py', run.checkpoint)
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        GroundingInferencer(run.config, 'nope.pth')


# ----------------------------------------------------------------------------
# results
# ----------------------------------------------------------------------------
def test_single_query_gives_ranked_segments_in_seconds(run, inferencer):
    results = inferencer(run.feats, QUERIES[0], duration=DURATION)
    assert isinstance(results, list) and len(results) == 1
    assert set(results[0]) == {'query', 'unit', 'duration', 'segments', 'scores',
                               'frame_scores'}
    _assert_sane(results[0], QUERIES[0])
    assert len(results[0]['segments']) > 1  # the strict grower gives several
    top2 = inferencer(run.feats, QUERIES[0], duration=DURATION, top_k=2)[0]
    assert len(top2['segments']) <= 2
    np.testing.assert_allclose(top2['segments'], results[0]['segments'][:2])
    samples = inferencer(run.feats, QUERIES[0], duration=DURATION, return_datasamples=True)
    assert isinstance(samples[0], GroundingDataSample)
    np.testing.assert_allclose(samples[0].pred_moments.numpy(), results[0]['segments'])


def test_query_list_batched_equals_one_by_one(run, inferencer):
    batched = inferencer(run.feats, QUERIES, duration=DURATION)
    assert [r['query'] for r in batched] == QUERIES
    for result, query in zip(batched, QUERIES):
        _assert_sane(result, query)
    one_by_one = [inferencer(run.feats, q, duration=DURATION)[0] for q in QUERIES]
    _assert_same(batched, one_by_one)
    _assert_same(inferencer(run.feats, QUERIES, duration=DURATION, batch_size=2), batched)


def test_normalized_times_without_duration(run, inferencer):
    norm = inferencer(run.feats, QUERIES[:2])
    seconds = inferencer(run.feats, QUERIES[:2], duration=DURATION)
    for n, s in zip(norm, seconds):
        assert n['unit'] == 'normalized' and n['duration'] is None
        segs = np.asarray(n['segments'])
        assert (segs >= 0).all() and (segs <= 1).all()
        np.testing.assert_allclose(segs * DURATION, s['segments'], atol=1e-9)


def test_matches_the_models_predict_on_the_test_pipeline(run, inferencer):
    """Same features, tokens and segments as ``tools/test.py`` gets."""
    cfg = Config.fromfile(run.config)
    dataset = build_pinned(DATASETS, copy.deepcopy(cfg.test_dataloader.dataset))
    for index in (0, len(dataset) - 1):
        item = dataset[index]
        meta = item['data_samples'].metainfo
        with torch.no_grad():  # as in mmengine's TestLoop
            [sample] = inferencer.model.test_step(pseudo_collate([item]))
        [result] = inferencer((run.h5, meta['video_id']), meta['query'],
                              duration=meta['duration'], top_k=inferencer.model.grower.top_k)
        np.testing.assert_allclose(result['segments'], sample.pred_moments.numpy(), atol=1e-9)
        np.testing.assert_allclose(result['scores'], sample.pred_scores.numpy(), atol=1e-9)


def test_the_input_forms_agree(run, inferencer, tmp_path):
    np.save(tmp_path / 'clip.npy', run.feats)
    torch.save(torch.from_numpy(run.feats), tmp_path / 'clip.pt')
    folder = tmp_path / 'folder'
    folder.mkdir()
    np.save(folder / f'{run.video_id}.npy', run.feats)
    expected = inferencer(run.feats, QUERIES, duration=DURATION)
    for video in (torch.from_numpy(run.feats), str(tmp_path / 'clip.npy'), tmp_path / 'clip.pt',
                  (run.h5, run.video_id), (str(folder), run.video_id)):
        _assert_same(inferencer(video, QUERIES, duration=DURATION), expected)


def test_short_videos_are_interpolated(run, inferencer):
    [result] = inferencer(run.feats[:5], QUERIES[0], duration=3.0)
    _assert_sane(result, QUERIES[0], span=3.0)


# ----------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------
def test_wrong_feature_dimension_is_a_clear_error(run, inferencer, tmp_path):
    with pytest.raises(ValueError, match=rf'dimension 8 .*takes {DIM}-d features'):
        inferencer(run.feats[:, :8], QUERIES[0])
    np.save(tmp_path / 'wide.npy', np.ones((20, DIM + 1), np.float32))
    with pytest.raises(ValueError, match=rf'wide\.npy: .*dimension {DIM + 1}'):
        inferencer(str(tmp_path / 'wide.npy'), QUERIES[0])


@pytest.mark.parametrize('video,match', [
    (np.ones(DIM, np.float32), r'shape \(16,\), expected rank 2'),
    (np.ones((1, 20, DIM), np.float32), r'expected rank 2'),
    (np.zeros((0, DIM), np.float32), 'at least one frame'),
    (np.full((20, DIM), np.nan, np.float32), 'NaN or Inf'),
])
def test_bad_features_are_value_errors(inferencer, video, match):
    with pytest.raises(ValueError, match=match):
        inferencer(video, QUERIES[0])


def test_bad_arguments(run, inferencer, tmp_path):
    with pytest.raises(ValueError, match='no query'):
        inferencer(run.feats, [])
    with pytest.raises(ValueError, match='query 1 is empty'):
        inferencer(run.feats, ['a person', '  '])
    with pytest.raises(TypeError, match='query 0'):
        inferencer(run.feats, [3])
    for duration in (0, -1.0, float('nan'), '10'):
        with pytest.raises(ValueError, match='duration'):
            inferencer(run.feats, QUERIES[0], duration=duration)
    for top_k in (0, 1.5):
        with pytest.raises(ValueError, match='top_k'):
            inferencer(run.feats, QUERIES[0], top_k=top_k)
    with pytest.raises(ValueError, match='batch_size'):
        inferencer(run.feats, QUERIES[0], batch_size=0)
    with pytest.raises(ValueError, match=r'many videos: pass \(path, video_id\)'):
        inferencer(run.h5, QUERIES[0])
    with pytest.raises(ValueError, match='nope'):  # the reader names file and id
        inferencer((run.h5, 'nope'), QUERIES[0])
    with pytest.raises(FileNotFoundError, match='missing.npy'):
        inferencer(str(tmp_path / 'missing.npy'), QUERIES[0])


# ----------------------------------------------------------------------------
# plot and command line
# ----------------------------------------------------------------------------
def test_plot_score_curves(run, inferencer, tmp_path):
    results = inferencer(run.feats, QUERIES[:2])
    fig = plot_score_curves(results)
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title() == QUERIES[0]
    assert fig.axes[1].get_xlim() == (0.0, 1.0)
    inferencer(run.feats, QUERIES[0], duration=DURATION, plot_file=str(tmp_path / 'a.png'))
    assert (tmp_path / 'a.png').stat().st_size > 5000


def test_infer_tool(run):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore',
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get('PYTHONPATH', '')]))
    np.save(run.root / 'clip.npy', run.feats)
    proc = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'infer.py'), run.config, run.checkpoint,
         '--video', 'clip.npy', '--query', QUERIES[0], '--query', QUERIES[1],
         '--duration', str(DURATION), '--top-k', '3', '--out', 'out/result.json',
         '--show', 'out/curve.png', '--device', 'cpu'],
        cwd=run.root, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
    out = proc.stdout
    assert f'[1] "{QUERIES[0]}"' in out and f'[2] "{QUERIES[1]}"' in out
    assert 'start (s)' in out and 'end (s)' in out and f'{DURATION:.2f} s' in out
    results = json.loads((run.root / 'out' / 'result.json').read_text(encoding='utf-8'))
    assert [r['query'] for r in results] == QUERIES[:2]
    for r in results:
        _assert_sane(r, r['query'], top_k=3)
    # the table shows the JSON's segments, in seconds
    start, end = results[0]['segments'][0]
    assert f'{1:>4}  {start:>12.2f}  {end:>12.2f}  {results[0]["scores"][0]:>7.3f}' in out
    png = run.root / 'out' / 'curve.png'
    assert png.stat().st_size > 5000
    from matplotlib.image import imread
    image = imread(str(png))
    assert image.ndim == 3 and image.shape[0] >= 300 and image.shape[1] >= 600, image.shape


def test_infer_tool_needs_the_checkpoint_of_a_trained_model(run, monkeypatch):
    """The checkpoint is optional only for models without weights."""
    from tests.tool_loader import load_tool
    tool = load_tool('tools/infer.py')
    monkeypatch.chdir(run.root)
    np.save(run.root / 'clip.npy', run.feats)
    with pytest.raises(SystemExit) as info:
        tool.run_tool(lambda: tool.main([run.config, '--video', 'clip.npy', '--query',
                                         QUERIES[0], '--device', 'cpu']))
    assert info.value.code == (f'error: the model of {run.config} (DSCNet) has trained '
                               'weights: give its checkpoint (tools/infer.py CONFIG '
                               'CHECKPOINT --video ...)')


def test_a_video_file_is_refused_naming_what_the_model_reads(run, inferencer):
    from dscnet_plugin.utils.cli_errors import SetupError
    with pytest.raises(SetupError, match=f'clip.mp4 is a video file, but the model of '
                       f'.*reads pre-extracted {DIM}-d video features'):
        inferencer('clip.mp4', QUERIES[0], duration=DURATION)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_gpu_gives_the_cpu_results(run, inferencer):
    gpu = GroundingInferencer(run.config, run.checkpoint)  # cuda when there is one
    assert next(gpu.model.parameters()).is_cuda
    _assert_same(gpu(run.feats, QUERIES, duration=DURATION),
                 inferencer(run.feats, QUERIES, duration=DURATION), atol=1e-4)
