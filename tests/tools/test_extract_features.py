"""``tools/data/extract_features.py``: clip features of one's own videos, read
back through the plugin's feature readers."""
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from mmengine.config import Config

from dscnet_plugin.datasets import ArrayDirFeatures, HDF5Features, VideoFeatures
from dscnet_plugin.registry import TRANSFORMS
from dscnet_plugin.utils import build_pinned
from tests.engine.tiny_config import walk_dicts
from tests.tool_loader import load_tool

REPO = Path(__file__).resolve().parents[2]
CLIP_LEN, STRIDE, DIM = 8, 4, 6


ext = load_tool('tools/data/extract_features.py')


class TinyConv(torch.nn.Module):
    """``B x 3 x L x H x W`` -> ``B x DIM x 1 x 1 x 1`` (flattened by the tool)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv3d(3, DIM, kernel_size=(3, 3, 3), padding=1)
        self.pool = torch.nn.AdaptiveAvgPool3d(1)

    def forward(self, x):
        return self.pool(torch.tanh(self.conv(x)))


@pytest.fixture
def videos():
    gen = torch.Generator().manual_seed(1)
    # 30 frames: clips at 0, 4, ..., 20 -> 6; 5 frames: one clip, padded
    return {'vidA': torch.rand(30, 3, 10, 12, generator=gen),
            'vid_B': torch.rand(5, 3, 10, 12, generator=gen)}


def expected_features(model, frames):
    """The features of every clip, computed clip by clip."""
    if frames.size(0) < CLIP_LEN:
        frames = torch.cat([frames, frames[-1:].repeat(CLIP_LEN - frames.size(0), 1, 1, 1)])
    starts = range(0, frames.size(0) - CLIP_LEN + 1, STRIDE)
    with torch.no_grad():
        return torch.cat([model(frames[s:s + CLIP_LEN].permute(1, 0, 2, 3)[None]).flatten(1)
                          for s in starts]).numpy()


@pytest.mark.parametrize('layout, out_name, reader_type', [
    ('hdf5', 'feats.hdf5', HDF5Features), ('npy', 'feats', ArrayDirFeatures)])
def test_features_read_back_through_video_features(tmp_path, videos, layout, out_name,
                                                   reader_type):
    model = TinyConv().train()
    out = tmp_path / out_name
    written = ext.extract_features(model, videos, out, clip_len=CLIP_LEN, stride=STRIDE,
                                   layout=layout, batch_size=4, device='cpu')
    assert written == {'vidA': 6, 'vid_B': 1}
    assert model.training  # mode restored
    reader = VideoFeatures(path=str(out))
    assert isinstance(reader, reader_type)
    for vid, frames in videos.items():
        feats = reader[vid]
        assert feats.shape == (written[vid], DIM) and feats.dtype == np.float32
        np.testing.assert_allclose(feats, expected_features(model.eval(), frames),
                                   rtol=1e-5, atol=1e-6)
    assert reader.feature_dim == DIM


def test_nested_hdf5_layout(tmp_path, videos):
    out = tmp_path / 'nested.h5'
    ext.extract_features(TinyConv(), videos, out, clip_len=CLIP_LEN, stride=STRIDE,
                         key='c3d_features')
    with h5py.File(out, 'r') as f:
        assert isinstance(f['vidA'], h5py.Group) and list(f['vidA']) == ['c3d_features']
    for key in (None, 'c3d_features'):
        reader = VideoFeatures(path=str(out), key=key)
        assert reader['vidA'].shape == (6, DIM) and reader['vid_B'].shape == (1, DIM)


def test_clip_count_formula():
    for n in range(1, 60):
        for clip_len, stride in ((16, 8), (16, 16), (8, 8), (16, 4)):
            starts = ext.clip_starts(n, clip_len, stride)
            assert len(starts) == max(1, (n - clip_len) // stride + 1)
            assert starts[-1] + clip_len <= max(n, clip_len)
            assert n <= clip_len or n - (starts[-1] + clip_len) < stride


def test_frame_sources(tmp_path):
    from PIL import Image
    gen = torch.Generator().manual_seed(2)
    frames = torch.randint(0, 256, (12, 3, 8, 8), generator=gen, dtype=torch.uint8)
    np.save(tmp_path / 'v.npy', frames.numpy())
    torch.save(frames, tmp_path / 'v.pt')
    folder = tmp_path / 'frames'
    folder.mkdir()
    for i, frame in enumerate(frames):
        Image.fromarray(frame.permute(1, 2, 0).numpy()).save(folder / f'{i:05d}.png')
    loaded = []
    sources = {'tensor': frames, 'array': frames.numpy(), 'npy': str(tmp_path / 'v.npy'),
               'pt': tmp_path / 'v.pt', 'images': str(folder),
               'decoded': str(tmp_path / 'clip.mp4')}

    def loader(path):
        loaded.append(path)
        return frames.numpy()

    model = TinyConv()
    ext.extract_features(model, sources, tmp_path / 'out', layout='npy', clip_len=CLIP_LEN,
                         stride=STRIDE, frame_loader=loader,
                         transform=lambda x: x / 255.0)
    assert loaded == [str(tmp_path / 'clip.mp4')]
    reader = VideoFeatures(path=str(tmp_path / 'out'))
    expected = expected_features(model, frames.float() / 255.0)
    assert expected.shape == (2, DIM)
    for vid in sources:
        np.testing.assert_allclose(reader[vid], expected, rtol=1e-5, atol=1e-6, err_msg=vid)
    with pytest.raises(ValueError, match='frame_loader'):
        ext.extract_features(model, {'x': str(tmp_path / 'clip.mp4')}, tmp_path / 'o2',
                             layout='npy')
    with pytest.raises(ValueError, match='T x C x H x W'):
        ext.extract_features(model, {'x': torch.zeros(4, 8, 8)}, tmp_path / 'o3', layout='npy')
    with pytest.raises(ValueError, match='video id'):
        ext.extract_features(model, {'a/b': frames}, tmp_path / 'o4.h5')


def test_existing_videos_are_skipped_unless_overwrite(tmp_path, videos):
    out = tmp_path / 'f.hdf5'
    assert ext.extract_features(TinyConv(), {'vidA': videos['vidA']}, out,
                                clip_len=CLIP_LEN, stride=STRIDE) == {'vidA': 6}
    # a second run only computes the new video
    assert ext.extract_features(TinyConv(), videos, out, clip_len=CLIP_LEN,
                                stride=STRIDE) == {'vid_B': 1}
    # overwrite recomputes everything (here with other clips: 3 per video A)
    assert ext.extract_features(TinyConv(), videos, out, clip_len=CLIP_LEN, stride=10,
                                overwrite=True) == {'vidA': 3, 'vid_B': 1}
    assert VideoFeatures(path=str(out))['vidA'].shape == (3, DIM)


def test_extracted_features_go_through_the_plugin_pipeline(tmp_path, videos):
    out = tmp_path / 'feats.hdf5'
    ext.extract_features(TinyConv(), videos, out, clip_len=CLIP_LEN, stride=STRIDE)
    reader = dict(type='VideoFeatures', data_root=str(tmp_path), path='feats.hdf5')
    load = build_pinned(TRANSFORMS, dict(type='LoadVideoFeatures', reader=reader))
    resample = build_pinned(TRANSFORMS, dict(type='ResampleFeatures', num_frames=16))
    results = resample(load(dict(video_id='vidA')))
    assert results['num_source_frames'] == 6
    assert results['video_feature'].shape == (16, DIM) and results['video_mask'].all()


def test_demo_main(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    written = ext.main(['--out', 'demo.hdf5', '--dim', '8'])
    assert written == {'demo_0': 7, 'demo_1': 4, 'demo_2': 1}
    assert VideoFeatures(path='demo.hdf5')['demo_0'].shape == (7, 8)
    assert 'demo_2: 9 frames -> (1, 8)' in capsys.readouterr().out


def test_docs_config_recipe_points_every_reader_at_the_new_features():
    """``docs/examples/dscnet_charades_i3d.py`` (docs/features.md) changes
    every place that names the features, their dimension and ``T``."""
    cfg = Config.fromfile(str(REPO / 'docs' / 'examples' / 'dscnet_charades_i3d.py'))
    # the datasets the Runner builds: train, val, test
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        pipeline = cfg[loader].dataset.pipeline
        assert pipeline.load.reader == cfg.video_features, loader
        assert pipeline.resample == dict(type='ResampleFeatures', num_frames=cfg.num_frames)
    readers = [d['reader'] for d in walk_dicts(cfg._cfg_dict)
               if d.get('type') == 'LoadVideoFeatures']
    assert readers and all(r['path'] == 'charades_sta/features/i3d' for r in readers)
    assert {d['num_frames'] for d in walk_dicts(cfg._cfg_dict)
            if d.get('type') == 'ResampleFeatures'} == {cfg.num_frames}
    assert cfg.model.video_encoder.in_dim == cfg.feature_dim == 1024
    assert cfg.model.num_frames == cfg.num_frames == 128
    vocab = cfg.test_dataloader.dataset.pipeline.query.vocab
    assert vocab['type'] == 'QueryVocabulary'
