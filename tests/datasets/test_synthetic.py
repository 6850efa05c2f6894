"""Tests of the synthetic grounding dataset and its readers."""
import json
import os

import numpy as np
import pytest

from dscnet_plugin.datasets import (ArrayDirFeatures, HDF5Features,
                                    SyntheticGroundingAnnotation,
                                    SyntheticGroundingGenerator,
                                    SyntheticWordVectors, VideoFeatures, tokenize)
from dscnet_plugin.datasets.synthetic.vocabulary import OBJECTS, VERBS
from dscnet_plugin.registry import DATA_SOURCES
from dscnet_plugin.utils import build_pinned

#: Tiny sizes: generation takes a few milliseconds.
TINY = dict(num_train_videos=6, num_test_videos=3, clips_range=(10, 20),
            feature_dim=16, latent_dim=8, word_dim=8)
TEXT_FILES = ('charades_sta_train.txt', 'charades_sta_test.txt', 'durations.json',
              'glove_demo_8d.txt', 'manifest.json')


def _generator_cfg(root, **kwargs) -> dict:
    return dict(type='SyntheticGroundingGenerator', data_root=str(root),
                **{**TINY, **kwargs})


def _prepare(root, **kwargs) -> SyntheticGroundingGenerator:
    generator = build_pinned(DATA_SOURCES, _generator_cfg(root, **kwargs))
    assert generator.prepare() == str(root)
    return generator


def _features(root, generator):
    reader = VideoFeatures(os.path.join(str(root), generator.feature_path))
    durations = json.loads((root / 'durations.json').read_text())
    return {vid: reader[vid] for vid in durations}


def _records(root, split='train', **kwargs):
    reader = build_pinned(DATA_SOURCES, dict(
        type='SyntheticGroundingAnnotation', split=split,
        generator=_generator_cfg(root, **kwargs)))
    return reader.load()


def test_same_seed_gives_identical_files(tmp_path):
    gen_a = _prepare(tmp_path / 'a', seed=3)
    gen_b = _prepare(tmp_path / 'b', seed=3)
    for name in TEXT_FILES:
        assert ((tmp_path / 'a' / name).read_bytes()
                == (tmp_path / 'b' / name).read_bytes()), name
    feats_a, feats_b = _features(tmp_path / 'a', gen_a), _features(tmp_path / 'b', gen_b)
    assert feats_a.keys() == feats_b.keys() and len(feats_a) == 9
    for vid in feats_a:
        np.testing.assert_array_equal(feats_a[vid], feats_b[vid])


def test_different_seed_gives_different_data(tmp_path):
    gen_a = _prepare(tmp_path / 'a', seed=0)
    gen_b = _prepare(tmp_path / 'b', seed=1)
    for name in ('charades_sta_train.txt', 'glove_demo_8d.txt'):
        assert ((tmp_path / 'a' / name).read_bytes()
                != (tmp_path / 'b' / name).read_bytes())
    feats_a, feats_b = _features(tmp_path / 'a', gen_a), _features(tmp_path / 'b', gen_b)
    assert any(feats_a[v].shape != feats_b[v].shape
               or not np.array_equal(feats_a[v], feats_b[v]) for v in feats_a)


def test_files_read_back_by_the_ordinary_readers(tmp_path):
    generator = _prepare(tmp_path)
    durations = json.loads((tmp_path / 'durations.json').read_text())
    assert sorted(durations) == ['TE00006', 'TE00007', 'TE00008', 'TR00000',
                                 'TR00001', 'TR00002', 'TR00003', 'TR00004',
                                 'TR00005']
    reader = VideoFeatures(str(tmp_path / generator.feature_path))
    assert isinstance(reader, HDF5Features)
    for vid, duration in durations.items():
        feats = reader[vid]
        t0 = feats.shape[0]
        assert feats.shape[1] == 16 and 10 <= t0 <= 20
        assert (feats >= 0).all()  # post-ReLU features
        assert duration == pytest.approx(round(t0 / 3, 2))
    for split, prefix in (('train', 'TR'), ('test', 'TE')):
        records = _records(tmp_path, split)
        lines = (tmp_path / f'charades_sta_{split}.txt').read_text().splitlines()
        assert len(records) == len(lines) > 0
        assert {r.video_id[:2] for r in records} == {prefix}
        for r in records:
            assert r.duration == durations[r.video_id]
            assert 0 <= r.start < r.end <= r.duration


def test_sentence_words_have_vectors(tmp_path):
    _prepare(tmp_path)
    sentences = [r.sentence for split in ('train', 'test')
                 for r in _records(tmp_path, split)]
    words = sorted({w for s in sentences for w in tokenize(s)})
    vectors, found = SyntheticWordVectors(_generator_cfg(tmp_path)).lookup(words)
    assert found.all(), [w for w, f in zip(words, found) if not f]
    assert vectors.shape == (len(words), 8)
    assert (np.abs(vectors).sum(axis=1) > 0).all()
    verb_forms = {form for forms in VERBS for form in forms}
    for sentence in sentences:
        tokens = set(tokenize(sentence))
        assert tokens & set(OBJECTS), sentence
        assert tokens & verb_forms, sentence


def test_npy_format(tmp_path):
    gen_h5 = _prepare(tmp_path / 'h5', seed=5)
    gen_npy = _prepare(tmp_path / 'npy', seed=5, feature_format='npy')
    assert gen_npy.feature_path == 'features'
    assert sorted(os.listdir(tmp_path / 'npy' / 'features')) == sorted(
        f'{vid}.npy' for vid in json.loads((tmp_path / 'npy' / 'durations.json')
                                           .read_text()))
    assert isinstance(VideoFeatures(str(tmp_path / 'npy' / 'features')), ArrayDirFeatures)
    feats_h5 = _features(tmp_path / 'h5', gen_h5)
    feats_npy = _features(tmp_path / 'npy', gen_npy)
    for vid in feats_h5:  # the format does not change the draw
        np.testing.assert_array_equal(feats_h5[vid], feats_npy[vid])
    assert ((tmp_path / 'h5' / 'charades_sta_train.txt').read_bytes()
            == (tmp_path / 'npy' / 'charades_sta_train.txt').read_bytes())


def _mtimes(root):
    """mtime and inode of each file (a rewrite replaces the inode)."""
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_ino)
            for p in root.iterdir() if p.is_file()}


def test_prepare_skips_an_existing_dataset(tmp_path):
    generator = _prepare(tmp_path)
    assert generator.is_ready()
    before = _mtimes(tmp_path)
    assert set(TEXT_FILES) | {'features.hdf5'} <= set(before)
    again = _prepare(tmp_path)
    assert again.is_ready()
    assert _mtimes(tmp_path) == before
    assert not [n for n in os.listdir(tmp_path) if n.startswith('.tmp-')]


def test_prepare_regenerates_when_a_parameter_changes(tmp_path):
    _prepare(tmp_path, noise_scale=0.5)
    before = (tmp_path / 'features.hdf5').read_bytes()
    changed = build_pinned(DATA_SOURCES, _generator_cfg(tmp_path, noise_scale=0.25))
    assert not changed.is_ready()
    changed.prepare()
    assert changed.is_ready()
    assert json.loads((tmp_path / 'manifest.json').read_text())['noise_scale'] == 0.25
    assert (tmp_path / 'features.hdf5').read_bytes() != before


def test_readers_generate_on_first_use(tmp_path):
    root = tmp_path / 'fresh'
    records = _records(root, 'test')
    assert records and (root / 'manifest.json').is_file()
    vectors, found = SyntheticWordVectors(_generator_cfg(tmp_path / 'other')).lookup(
        ['person', 'zzz'])
    assert found.tolist() == [True, False]


def test_invalid_arguments(tmp_path):
    with pytest.raises(ValueError, match='feature_format'):
        SyntheticGroundingGenerator(str(tmp_path), feature_format='pt')
    with pytest.raises(ValueError, match='num_actions'):
        SyntheticGroundingGenerator(str(tmp_path), num_actions=0)
    with pytest.raises(ValueError, match='semantic_strength'):
        SyntheticGroundingGenerator(str(tmp_path), semantic_strength=1.5)
    with pytest.raises(ValueError, match='split'):
        SyntheticGroundingAnnotation('val', _generator_cfg(tmp_path))



def test_written_moments_need_no_repair(tmp_path):
    bad = []
    for seed in range(4):
        root = tmp_path / str(seed)
        _prepare(root, seed=seed)
        durations = json.loads((root / 'durations.json').read_text())
        for split in ('train', 'test'):
            for line in (root / f'charades_sta_{split}.txt').read_text().splitlines():
                vid, start, end = line.split('##')[0].split()
                if not 0 <= float(start) < float(end) <= durations[vid]:
                    bad.append((seed, line, durations[vid]))
    assert bad == []
