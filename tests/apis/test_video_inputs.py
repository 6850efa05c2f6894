"""``GroundingInferencer`` on a video file with a training-free
vision-language config: a generated ``.mp4`` decoded, embedded by a tiny
local CLIP, scored by ``ZeroShotVLMGrounder`` (results in seconds)."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

pytest.importorskip('transformers')
pytest.importorskip('av')
from dscnet_plugin.apis import (GroundingInferencer, VideoFileGrounding,  # noqa: E402
                                config_clip_seconds, is_video_file, reads_vlm_features,
                                video_file_refused)
from dscnet_plugin.apis import video_inputs  # noqa: E402
from dscnet_plugin.datasets import DataFileError  # noqa: E402
from dscnet_plugin.datasets.simulation.vlm_simulate import CLIP_SECONDS  # noqa: E402
from dscnet_plugin.utils import register_all_modules  # noqa: E402
from dscnet_plugin.utils.cli_errors import SetupError  # noqa: E402
from dscnet_plugin.vlm import CLIPEmbedder, decode_video  # noqa: E402
from tests.vlm.tiny_clip import PROJECTION_DIM, save_tiny_clip, write_colour_video  # noqa

REPO = Path(__file__).resolve().parents[2]
CONFIG = str(REPO / 'configs' / 'zeroshot_vlm_charades-sta.py')
QUERIES = ['a man walks', 'the red dog opens the door']


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp('video_inputs')
    register_all_modules(init_default_scope=False)
    return dict(clip=str(save_tiny_clip(root / 'clip')),
                video=str(write_colour_video(root / 'colours.mp4')), root=root)


@pytest.fixture(scope='module')
def inferencer(files):
    return GroundingInferencer(CONFIG, device='cpu', clip_model=files['clip'])


@pytest.fixture(scope='module')
def results(files, inferencer):
    return inferencer(files['video'], QUERIES, top_k=3)


def _minmax(x):
    return (x - x.min()) / (x.max() - x.min())


def test_video_file_gives_segments_in_seconds(results):
    assert [r['query'] for r in results] == QUERIES
    for r in results:
        assert r['unit'] == 'seconds' and r['duration'] == pytest.approx(3.0)
        seg = np.asarray(r['segments'])
        assert seg.shape == (3, 2)
        assert (seg >= 0).all() and (seg <= 3.0 + 1e-9).all() and (seg[:, 1] > seg[:, 0]).all()
        # three 1 s clips in a 64-frame padded pipeline: segments on clip edges
        np.testing.assert_allclose(seg, np.round(seg), atol=1e-9)
        assert r['scores'] == sorted(r['scores'], reverse=True)
        assert len(r['frame_scores']) == 3  # ceil(3 s / 1 s) real frames


def test_curve_is_the_frame_query_cosine(files, results):
    """The curve is the min-max normalised cosine of each clip's centre frame
    (CLIP image tower) with the sentence's pooler_output (text tower)."""
    embedder = CLIPEmbedder(files['clip'], device='cpu')
    short = embedder.clip.preprocessing.short_side
    frames = embedder.embed_images(decode_video(files['video'], 1.0, short).frames).numpy()
    for r, text in zip(results, embedder.embed_texts(QUERIES)):
        q = text['pooler_output'] / np.linalg.norm(text['pooler_output'])
        np.testing.assert_allclose(r['frame_scores'], _minmax(frames @ q), atol=1e-5)
        # the best segment is where the curve is highest (the top clip is in it)
        start, end = r['segments'][0]
        assert start <= int(np.argmax(frames @ q)) < end


def test_the_query_changes_the_curve(results):
    a, b = (np.asarray(r['frame_scores']) for r in results)
    assert np.abs(a - b).max() > 0.1
    assert results[0]['segments'] != results[1]['segments']


def test_features_of_the_video_give_the_same_result(files, inferencer, results, tmp_path):
    """The extracted features (npy) with the decoded duration give what the
    video file gives."""
    embedder = inferencer.video_files.embedder
    feats, duration = inferencer.video_files.decode(files['video'])
    assert feats.shape == (3, PROJECTION_DIM) and duration == pytest.approx(3.0)
    np.save(tmp_path / 'colours.npy', feats)
    again = inferencer(str(tmp_path / 'colours.npy'), QUERIES, duration=duration, top_k=3)
    for x, y in zip(again, results):
        np.testing.assert_allclose(x['segments'], y['segments'], atol=1e-9)
        np.testing.assert_allclose(x['frame_scores'], y['frame_scores'], atol=1e-6)
    assert embedder is inferencer.video_files.embedder  # loaded once


def test_plot_file_is_written(files, inferencer, tmp_path):
    inferencer(files['video'], QUERIES[0], plot_file=str(tmp_path / 'curve.png'))
    assert (tmp_path / 'curve.png').stat().st_size > 5000


def test_clip_seconds_from_the_config_or_the_argument(files):
    qvh = GroundingInferencer(str(REPO / 'configs' / 'zeroshot_vlm_qvhighlights.py'),
                              device='cpu', clip_model=files['clip'])
    assert qvh.video_files.clip_seconds == 2.0
    assert len(qvh(files['video'], QUERIES[0])[0]['frame_scores']) == 2  # ceil(3 / 2)
    half = GroundingInferencer(CONFIG, device='cpu', clip_model=files['clip'],
                               clip_seconds=0.5)
    assert len(half(files['video'], QUERIES[0])[0]['frame_scores']) == 6


@pytest.mark.parametrize('name', ['charades-sta', 'activitynet', 'qvhighlights'])
def test_config_clip_seconds_match_the_simulator(name):
    cfg = Config.fromfile(str(REPO / 'configs' / f'zeroshot_vlm_{name}.py'))
    assert reads_vlm_features(cfg)
    assert config_clip_seconds(cfg) == CLIP_SECONDS[name]


def test_clip_seconds_checks():
    assert config_clip_seconds(Config(dict())) == 1.0  # warned default
    for bad in (0, -1.0, float('nan'), True, '2'):
        with pytest.raises(SetupError, match='clip_seconds must be a positive'):
            config_clip_seconds(Config(dict()), bad)


def test_video_file_names():
    assert is_video_file('a/b.MP4') and is_video_file(Path('x.webm'))
    assert not is_video_file('x.npy') and not is_video_file(np.zeros((2, 2)))
    assert not is_video_file(('feats.hdf5', 'v1'))


def test_undecodable_and_missing_videos_are_named(files, inferencer, tmp_path):
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'not a video at all' * 10)
    with pytest.raises(DataFileError, match='broken.mp4: not a video FFmpeg can read'):
        inferencer(str(broken), QUERIES[0])
    with pytest.raises(DataFileError, match='gone.mp4: video file not found'):
        inferencer(str(tmp_path / 'gone.mp4'), QUERIES[0])


def test_bad_durations_and_dimensions(files, inferencer, tmp_path):
    with pytest.raises(SetupError, match='duration of a video file is read from it'):
        inferencer(files['video'], QUERIES[0], duration=3.0)
    np.save(tmp_path / 'f.npy', np.ones((4, PROJECTION_DIM), np.float32))
    with pytest.raises(SetupError, match='give the duration'):
        inferencer(str(tmp_path / 'f.npy'), QUERIES[0])
    np.save(tmp_path / 'c3d.npy', np.ones((4, 500), np.float32))
    with pytest.raises(SetupError, match='500-d but the CLIP .* gives 12-d'):
        inferencer(str(tmp_path / 'c3d.npy'), QUERIES[0], duration=4.0)


def test_missing_extra_points_to_it(files, inferencer, monkeypatch):
    real = video_inputs.find_spec
    monkeypatch.setattr(video_inputs, 'find_spec',
                        lambda name: None if name == 'av' else real(name))
    with pytest.raises(SetupError, match=r"colours.mp4 needs av, not installed: install "
                       r"the \[vlm\] extra \(pip install -e '.\[vlm\]'\)"):
        inferencer(files['video'], QUERIES[0])
    fresh = VideoFileGrounding(Config.fromfile(CONFIG), files['clip'], device='cpu')
    with pytest.raises(SetupError, match='embedding with CLIP needs av'):
        fresh.query_features(QUERIES)


def test_a_feature_model_refuses_video_files():
    cfg = Config.fromfile(str(REPO / 'configs' / 'dscnet_charades.py'))
    assert not reads_vlm_features(cfg)
    message = str(video_file_refused('clip.mp4', cfg, 500))
    assert message.startswith('clip.mp4 is a video file, but the model of ')
    assert 'dscnet_charades.py (DSCNet) reads pre-extracted 500-d video features' in message
    assert 'configs/zeroshot_vlm_charades-sta.py' in message


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_gpu_gives_the_cpu_results(files, results):
    gpu = GroundingInferencer(CONFIG, device='cuda', clip_model=files['clip'])
    assert gpu.video_files.embedder.device.type == 'cuda'
    for x, y in zip(gpu(files['video'], QUERIES, top_k=3), results):
        np.testing.assert_allclose(x['frame_scores'], y['frame_scores'], atol=1e-4)
        np.testing.assert_allclose(x['segments'], y['segments'], atol=1e-6)
