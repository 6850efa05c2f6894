"""Tests of the video feature readers (HDF5, .npy/.pt folders, VideoFeatures)."""
import multiprocessing
import os
import pickle

import h5py
import numpy as np
import pytest
import torch

from dscnet_plugin.datasets import (ArrayDirFeatures, FeatureError, HDF5Features,
                                    VideoFeatures)
from dscnet_plugin.registry import DATA_SOURCES
from dscnet_plugin.utils import build_pinned


def _feat(t: int, d: int, offset: float = 0.0) -> np.ndarray:
    """A ``t x d`` float64 array with distinct values."""
    return np.arange(t * d, dtype=np.float64).reshape(t, d) / 7 + offset


def _write_h5(path, items: dict):
    """``items``: vid -> array (flat) or vid -> {key: array} (nested)."""
    with h5py.File(path, 'w') as f:
        for vid, value in items.items():
            if isinstance(value, dict):
                group = f.create_group(vid)
                for key, array in value.items():
                    group.create_dataset(key, data=array)
            else:
                f.create_dataset(vid, data=value)
    return path


def _write_dir(folder, items: dict, suffix: str = '.npy'):
    folder.mkdir(exist_ok=True)
    for vid, array in items.items():
        if suffix == '.npy':
            np.save(folder / f'{vid}.npy', array)
        else:
            torch.save(torch.as_tensor(array), folder / f'{vid}.pt')
    return folder


# ------------------------------------------------------------------ HDF5
def test_hdf5_flat_layout(tmp_path):
    a, b = _feat(4, 3), _feat(6, 3, 1.0)
    reader = HDF5Features(str(_write_h5(tmp_path / 'f.h5', {'a': a, 'b': b})))
    out = reader['a']
    assert out.dtype == np.float32 and out.shape == (4, 3)
    np.testing.assert_allclose(out, a, rtol=1e-6)
    np.testing.assert_allclose(reader['b'], b, rtol=1e-6)
    assert 'a' in reader and 'zzz' not in reader


def test_hdf5_nested_c3d_features(tmp_path):
    a = _feat(5, 4)
    # besides c3d_features the group holds another dataset: the known name wins
    path = _write_h5(tmp_path / 'sub_activitynet_v1-3.c3d.hdf5',
                     {'v_a': {'c3d_features': a, 'frame_idx': np.arange(5)}})
    np.testing.assert_allclose(HDF5Features(str(path))['v_a'], a, rtol=1e-6)


def test_hdf5_nested_single_dataset(tmp_path):
    a = _feat(3, 2)
    path = _write_h5(tmp_path / 'f.h5', {'v': {'whatever': a}})
    np.testing.assert_allclose(HDF5Features(str(path))['v'], a, rtol=1e-6)


def test_hdf5_nested_explicit_key(tmp_path):
    rgb, flow = _feat(3, 2), _feat(3, 2, 100.0)
    path = _write_h5(tmp_path / 'f.h5', {'v': {'rgb': rgb, 'flow': flow}})
    np.testing.assert_allclose(HDF5Features(str(path), key='flow')['v'], flow,
                               rtol=1e-6)
    with pytest.raises(FeatureError, match="expected 'c3d_features'") as info:
        HDF5Features(str(path), key='c3d_features')['v']
    assert str(path) in str(info.value) and "id 'v'" in str(info.value)


def test_hdf5_nested_ambiguous_keys(tmp_path):
    path = _write_h5(tmp_path / 'f.h5', {'v': {'rgb': _feat(3, 2),
                                               'flow': _feat(3, 2)}})
    with pytest.raises(FeatureError, match='set `key`') as info:
        HDF5Features(str(path))['v']
    msg = str(info.value)
    assert str(path) in msg and "id 'v'" in msg
    assert "'flow'" in msg and "'rgb'" in msg


def test_hdf5_missing_file(tmp_path):
    path = tmp_path / 'none.h5'
    reader = HDF5Features(str(path))  # opened lazily: no error yet
    for probe in (lambda: reader['v'], lambda: 'v' in reader):
        with pytest.raises(FeatureError) as info:
            probe()
        assert str(info.value) == f'{path}: feature file not found'


def test_hdf5_not_an_hdf5_file(tmp_path):
    path = tmp_path / 'f.h5'
    path.write_bytes(b'this is not HDF5')
    with pytest.raises(FeatureError, match='cannot open as HDF5') as info:
        HDF5Features(str(path))['v']
    assert str(path) in str(info.value)


def test_hdf5_reader_pickles_after_reading(tmp_path):
    a = _feat(4, 3)
    reader = HDF5Features(str(_write_h5(tmp_path / 'f.h5', {'a': a})))
    reader['a']  # opens the file
    clone = pickle.loads(pickle.dumps(reader))
    assert clone._file is None  # reopened lazily in the new process
    np.testing.assert_allclose(clone['a'], a, rtol=1e-6)
    assert clone.feature_dim == 3  # the detected dimension travels along


def test_hdf5_reader_reopens_in_forked_worker(tmp_path):
    a = _feat(4, 3)
    reader = HDF5Features(str(_write_h5(tmp_path / 'f.h5', {'a': a})))
    reader['a']
    parent_file = reader._file
    ctx = multiprocessing.get_context('fork')
    queue = ctx.Queue()

    def work():
        feats = reader['a']
        queue.put((float(feats.sum()), reader._pid == os.getpid(),
                   reader._file is not parent_file))

    proc = ctx.Process(target=work)
    proc.start()
    result = queue.get(timeout=30)
    proc.join(timeout=30)
    assert result == (pytest.approx(float(a.sum()), rel=1e-5), True, True)


# -------------------------------------------------------- .npy/.pt folders
@pytest.mark.parametrize('suffix', ['.npy', '.pt'])
def test_array_dir(tmp_path, suffix):
    a, b = _feat(4, 3), _feat(2, 3, 5.0)
    folder = _write_dir(tmp_path / 'feats', {'a': a, 'b': b}, suffix)
    reader = ArrayDirFeatures(str(folder))
    out = reader['a']
    assert out.dtype == np.float32 and out.shape == (4, 3)
    np.testing.assert_allclose(out, a, rtol=1e-6)
    np.testing.assert_allclose(reader['b'], b, rtol=1e-6)
    assert 'a' in reader and 'zzz' not in reader


def test_array_dir_suffix_order(tmp_path):
    folder = _write_dir(tmp_path / 'feats', {'a': _feat(2, 2)}, '.npy')
    _write_dir(folder, {'a': _feat(2, 2, 50.0)}, '.pt')
    np.testing.assert_allclose(ArrayDirFeatures(str(folder))['a'], _feat(2, 2))
    np.testing.assert_allclose(ArrayDirFeatures(str(folder), suffixes=('.pt',))['a'],
                               _feat(2, 2, 50.0))


def test_array_dir_pt_holding_a_dict(tmp_path):
    folder = tmp_path / 'feats'
    folder.mkdir()
    torch.save({'feat': torch.zeros(2, 2)}, folder / 'a.pt')
    with pytest.raises(FeatureError, match='holds a dict') as info:
        ArrayDirFeatures(str(folder))['a']
    assert str(folder / 'a.pt') in str(info.value) and "id 'a'" in str(info.value)


def test_array_dir_corrupt_file(tmp_path):
    folder = tmp_path / 'feats'
    folder.mkdir()
    (folder / 'a.npy').write_bytes(b'garbage')
    with pytest.raises(FeatureError, match='cannot be read') as info:
        ArrayDirFeatures(str(folder))['a']
    assert str(folder / 'a.npy') in str(info.value)


def test_array_dir_missing_directory(tmp_path):
    folder = tmp_path / 'nope'
    with pytest.raises(FeatureError, match='directory not found') as info:
        ArrayDirFeatures(str(folder))['a']
    assert str(folder) in str(info.value)


# ------------------------------------------------------------ VideoFeatures
def test_video_features_detects_layout(tmp_path):
    a = _feat(3, 2)
    folder = _write_dir(tmp_path / 'feats', {'a': a})
    h5 = _write_h5(tmp_path / 'f.hdf5', {'a': a})
    nested = _write_h5(tmp_path / 'n.h5', {'a': {'rgb': a, 'flow': a + 1}})
    dir_reader = VideoFeatures(str(folder))
    h5_reader = VideoFeatures(str(h5))
    nested_reader = VideoFeatures(str(nested), key='flow')
    assert isinstance(dir_reader, ArrayDirFeatures)
    assert isinstance(h5_reader, HDF5Features)
    for reader, expected in ((dir_reader, a), (h5_reader, a), (nested_reader, a + 1)):
        np.testing.assert_allclose(reader['a'], expected, rtol=1e-6)


def test_video_features_from_registry_with_data_root(tmp_path):
    _write_h5(tmp_path / 'f.h5', {'a': _feat(3, 2)})
    reader = build_pinned(DATA_SOURCES, dict(type='VideoFeatures', path='f.h5',
                                             data_root=str(tmp_path)))
    assert reader.path == str(tmp_path / 'f.h5')
    assert reader['a'].shape == (3, 2)


def test_video_features_unknown_layout(tmp_path):
    path = tmp_path / 'feats.npz'
    path.write_bytes(b'')
    with pytest.raises(FeatureError, match='expected a directory') as info:
        VideoFeatures(str(path))
    assert str(path) in str(info.value)


# ------------------------------------------------ dimension and validation
def _reader(tmp_path, backend, items, **kwargs):
    if backend == 'hdf5':
        return VideoFeatures(str(_write_h5(tmp_path / 'f.h5', items)), **kwargs)
    return VideoFeatures(str(_write_dir(tmp_path / 'feats', items)), **kwargs)


BACKENDS = ['hdf5', 'npy']


@pytest.mark.parametrize('backend', BACKENDS)
def test_auto_detected_dim_is_enforced(tmp_path, backend):
    reader = _reader(tmp_path, backend, {'a': _feat(3, 4), 'b': _feat(3, 5)})
    assert reader.feature_dim is None
    assert reader.detect_dim('a') == 4
    assert reader.feature_dim == 4
    with pytest.raises(FeatureError, match='feature dimension 5, expected 4') as info:
        reader['b']
    assert "id 'b'" in str(info.value) and reader.path in str(info.value)


@pytest.mark.parametrize('backend', BACKENDS)
def test_explicit_dim_is_enforced(tmp_path, backend):
    reader = _reader(tmp_path, backend, {'a': _feat(3, 4)}, feature_dim=8)
    with pytest.raises(FeatureError, match='feature dimension 4, expected 8'):
        reader['a']


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('array, expected', [
    (np.array([[0.0, np.nan], [1.0, 2.0], [np.nan, np.nan]]), '2 of 3 frames hold NaN'),
    (np.array([[0.0, 1.0], [np.inf, 2.0]]), '1 of 2 frames hold NaN or Inf'),
    (np.arange(5.0), 'expected rank 2'),
    (np.zeros((2, 3, 4)), 'expected rank 2'),
    (np.zeros((0, 4)), 'at least one frame'),
    (np.zeros((3, 0)), 'at least one frame'),
], ids=['nan', 'inf', '1d', '3d', 'empty-T', 'empty-D'])
def test_invalid_feature_names_file_and_video(tmp_path, backend, array, expected):
    reader = _reader(tmp_path, backend, {'ok': _feat(2, 2), 'bad_vid': array})
    reader['ok']
    with pytest.raises(FeatureError) as info:
        reader['bad_vid']
    msg = str(info.value)
    assert expected in msg
    assert reader.path in msg and "id 'bad_vid'" in msg


@pytest.mark.parametrize('backend', BACKENDS)
def test_missing_video_names_file_and_video(tmp_path, backend):
    reader = _reader(tmp_path, backend, {'a': _feat(2, 2)})
    with pytest.raises(FeatureError) as info:
        reader['v_missing']
    assert reader.path in str(info.value)
    assert "id 'v_missing'" in str(info.value)


def test_array_dir_validation_error_names_the_file(tmp_path):
    bad = _feat(3, 2)
    bad[1, 0] = np.nan
    folder = _write_dir(tmp_path / 'feats', {'ok': _feat(3, 2), 'bad_vid': bad})
    with pytest.raises(FeatureError) as info:
        ArrayDirFeatures(str(folder))['bad_vid']
    assert str(folder / 'bad_vid.npy') in str(info.value)


@pytest.mark.parametrize('config', ['configs/dscnet_charades.py',
                                    'configs/dscnet_activitynet.py',
                                    'configs/dscnet_demo.py',
                                    'docs/examples/dscnet_charades_i3d.py'])
def test_configs_give_every_reader_the_models_dimension(config):
    """So that a first video of the wrong width is the one named (an
    auto-detected ``D`` would blame the next, healthy video)."""
    from mmengine.config import Config

    from dscnet_plugin.utils import walk_dicts
    cfg = Config.fromfile(config)
    readers = [d for d in walk_dicts(cfg._cfg_dict) if d.get('type') == 'VideoFeatures']
    assert len(readers) >= 4  # the top-level variable and the three pipelines
    assert {r['feature_dim'] for r in readers} == {cfg.model.video_encoder.in_dim}
