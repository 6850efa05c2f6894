"""Tests of the VLM feature layouts: ``{vid}.npz`` video features, per-query
``.npz`` text features, LoadQueryFeatures and their batching."""
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate

from dscnet_plugin.datasets import (ArrayDirFeatures, FeatureError, LoadQueryFeatures,
                                    PackGroundingInputs, QueryFeatures, VideoFeatures)
from dscnet_plugin.models.data_preprocessors import GroundingDataPreprocessor
from dscnet_plugin.registry import DATA_SOURCES, TRANSFORMS
from dscnet_plugin.utils import build_pinned


def _arr(*shape, offset=0.0):
    return (np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) / 7 + offset)


# ------------------------------------------------------------ video .npz
def test_npz_video_features(tmp_path):
    a = _arr(4, 3)
    np.savez(tmp_path / 'a.npz', features=a, other=np.zeros(2))
    np.save(tmp_path / 'b.npy', a + 1)
    np.savez(tmp_path / 'b.npz', features=a + 2)          # .npy comes first
    reader = ArrayDirFeatures(str(tmp_path))
    assert reader.suffixes == ('.npy', '.pt', '.npz')
    assert 'a' in reader and 'b' in reader
    out = reader['a']
    assert out.dtype == np.float32 and np.array_equal(out, a.astype(np.float32))
    assert np.array_equal(reader['b'], (a + 1).astype(np.float32))
    # through the path-picking factory, with another key
    np.savez(tmp_path / 'c.npz', clip=a + 3)
    other = build_pinned(DATA_SOURCES, dict(type='VideoFeatures', path=str(tmp_path),
                                            key='clip'))
    assert np.array_equal(other['c'], (a + 3).astype(np.float32))


def test_npz_video_feature_errors(tmp_path):
    np.savez(tmp_path / 'a.npz', feats=_arr(4, 3), x=np.zeros(1))
    np.save(tmp_path / 'single.npy', _arr(2, 2))
    (tmp_path / 'single.npy').rename(tmp_path / 'b.npz')
    np.savez(tmp_path / 'c.npz', features=np.array([[1.0, np.nan]]))
    np.savez(tmp_path / 'd.npz', features=np.array([{'a': 1}], dtype=object))
    reader = VideoFeatures(str(tmp_path))
    with pytest.raises(FeatureError) as info:
        reader['a']
    assert str(info.value) == (f"{tmp_path / 'a.npz'}, id 'a': holds the arrays "
                               "['feats', 'x'], expected 'features' (set npz_key)")
    with pytest.raises(FeatureError, match=r"b.npz, id 'b': holds a single array"):
        reader['b']
    with pytest.raises(FeatureError, match=r"c.npz, id 'c': 1 of 1 frames hold NaN"):
        reader['c']
    with pytest.raises(FeatureError, match=r"d.npz, id 'd': cannot be read: .*pickle"):
        reader['d']
    with pytest.raises(FeatureError, match=r"no feature file e\{.npy,.pt,.npz\}"):
        reader['e']


# ------------------------------------------------------------ query .npz
@pytest.mark.parametrize('name_format, fname', [('qid{qid}.npz', 'qid12.npz'),
                                                ('{qid}.npz', '12.npz')])
@pytest.mark.parametrize('key', ['pooler_output', 'last_hidden_state'])
def test_query_feature_layouts_and_keys(tmp_path, name_format, fname, key):
    pooled, tokens = _arr(6), _arr(3, 6, offset=1.0)
    np.savez(tmp_path / fname, pooler_output=pooled, last_hidden_state=tokens)
    reader = build_pinned(DATA_SOURCES, dict(type='QueryFeatures', path=tmp_path.name,
                                             data_root=str(tmp_path.parent), key=key,
                                             name_format=name_format))
    assert isinstance(reader, QueryFeatures)
    assert '12' in reader and 12 in reader and '13' not in reader
    out = reader['12']
    expected = pooled if key == 'pooler_output' else tokens
    assert out.dtype == np.float32 and np.array_equal(out, expected.astype(np.float32))
    assert reader.feature_dim == 6


def test_query_feature_errors(tmp_path):
    good = dict(pooler_output=_arr(4), last_hidden_state=_arr(2, 4))
    np.savez(tmp_path / 'qid1.npz', **good)
    np.savez(tmp_path / 'qid2.npz', pooler_output=_arr(2, 4))
    np.savez(tmp_path / 'qid3.npz', pooler_output=np.array([1.0, np.inf, 0, 0]))
    np.savez(tmp_path / 'qid4.npz', pooler_output=np.array(['a', 'b']))
    np.savez(tmp_path / 'qid5.npz', pooler_output=_arr(5))
    np.savez(tmp_path / 'qid6.npz', pooler_output=np.zeros(0))
    np.savez(tmp_path / 'qid7.npz', last_hidden_state=_arr(4))
    np.savez(tmp_path / 'qid8.npz', pooler_output=np.ones(4, np.complex64))
    (tmp_path / 'qid9.npz').write_bytes(b'not an archive')
    reader = QueryFeatures(str(tmp_path))
    f = lambda q: str(tmp_path / f'qid{q}.npz')  # noqa: E731
    cases = [
        ('2', f"{f(2)}, id '2': query feature has shape (2, 4), expected rank 1 (D)"),
        ('3', f"{f(3)}, id '3': query feature holds NaN or Inf values"),
        ('4', f"{f(4)}, id '4': query feature dtype <U1 is not numeric"),
        ('6', f"{f(6)}, id '6': query feature has shape (0,), expected no empty side"),
        ('7', f"{f(7)}, id '7': holds the arrays ['last_hidden_state'], expected "
              "'pooler_output' (set key)"),
        ('8', f"{f(8)}, id '8': query feature dtype complex64 is complex, expected real "
              'numbers (float or int)'),
        ('10', f"{tmp_path}, id '10': no query feature file qid10.npz"),
    ]
    assert reader['1'].shape == (4,)                      # sets feature_dim = 4
    for qid, message in cases:
        with pytest.raises(FeatureError) as info:
            reader[qid]
        assert str(info.value) == message
    with pytest.raises(FeatureError, match=r"id '5': query feature dimension 5, expected 4"):
        reader['5']
    with pytest.raises(FeatureError, match=r"qid9.npz, id '9': cannot be read"):
        reader['9']
    with pytest.raises(FeatureError, match='query feature directory not found'):
        QueryFeatures(str(tmp_path / 'nope'))['1']
    with pytest.raises(FeatureError, match='does not name a file'):
        QueryFeatures(str(tmp_path), name_format='{qid}.npz')['../qid1']
    with pytest.raises(ValueError, match=r"must hold '\{qid\}'"):
        QueryFeatures(str(tmp_path), name_format='q.npz')
    tokens = QueryFeatures(str(tmp_path), key='last_hidden_state')
    with pytest.raises(FeatureError, match=r'shape \(4,\), expected rank 2 \(L x D\)'):
        tokens['7']


# ------------------------------------------------ transform and batching
def test_load_query_features_pools_tokens(tmp_path):
    tokens = _arr(3, 4)
    np.savez(tmp_path / 'qid5.npz', pooler_output=_arr(4, offset=9), last_hidden_state=tokens)
    mean = LoadQueryFeatures(dict(type='QueryFeatures', path=str(tmp_path),
                                  key='last_hidden_state'))
    out = mean(dict(query_id='5'))['query_feature']
    assert out.dtype == np.float32 and out.shape == (4,)
    np.testing.assert_allclose(out, tokens.mean(axis=0), rtol=1e-6)
    top = LoadQueryFeatures(dict(type='QueryFeatures', path=str(tmp_path),
                                 key='last_hidden_state'), pool='max')
    np.testing.assert_array_equal(top(dict(query_id='5'))['query_feature'],
                                  tokens[-1].astype(np.float32))
    pooled = build_pinned(TRANSFORMS, dict(
        type='LoadQueryFeatures', reader=dict(type='QueryFeatures', path=str(tmp_path))))
    np.testing.assert_array_equal(pooled(dict(query_id='5'))['query_feature'],
                                  _arr(4, offset=9).astype(np.float32))
    with pytest.raises(ValueError, match='pool must be one of'):
        LoadQueryFeatures(dict(type='QueryFeatures', path=str(tmp_path)), pool='sum')


def test_query_features_batch_to_b_x_d(tmp_path):
    feats = {q: _arr(3, 8, offset=q) for q in (0, 1, 2)}
    for q, f in feats.items():
        np.savez(tmp_path / f'{q}.npz', last_hidden_state=f)
    load = LoadQueryFeatures(dict(type='QueryFeatures', path=str(tmp_path),
                                  key='last_hidden_state', name_format='{qid}.npz'))
    pack = PackGroundingInputs()
    items = [pack(load(dict(query_id=str(q), query=f'q{q}', video_id='v', duration=9.0,
                            video_feature=np.ones((5, 2), np.float32),
                            gt_moment=[1.0, 2.0], gt_windows=[[1.0, 2.0], [3.0, 4.0]])))
             for q in (2, 0, 1)]
    assert items[0]['data_samples'].metainfo['query_id'] == '2'
    assert items[0]['data_samples'].gt_windows.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    batch = GroundingDataPreprocessor()(pseudo_collate(items))
    q = batch['inputs']['query_feature']
    assert q.shape == (3, 8) and q.dtype == torch.float32
    expected = np.stack([feats[k].mean(axis=0) for k in (2, 0, 1)])
    np.testing.assert_allclose(q.numpy(), expected, rtol=1e-6)
    assert batch['inputs']['video_feature'].shape == (3, 5, 2)
