"""The ``vlm`` writers (``simulation.vlm_simulate``) and the similarity
statistics (``simulation.vlm_statistics``) on tiny inputs."""
import json
from pathlib import Path

import numpy as np
import pytest

from dscnet_plugin.datasets import AnnotationError
from dscnet_plugin.datasets.simulation.vlm_simulate import (
    charades_class_names, simulate_vlm_charades,
    simulate_vlm_qvhighlights, write_vlm_layout)
from dscnet_plugin.datasets.simulation.vlm_space import VLMSpace
from dscnet_plugin.datasets.simulation.vlm_statistics import (
    inside_mask, rank_auc, similarity_statistics)

from ..test_simulation import _lines, write_charades_root
from .vlm_fixtures import CONCEPTS, HashWordVectors, synthetic


def write(out, alignment=0.5, seed=0, num_videos=24, **kw):
    sp = VLMSpace(HashWordVectors(), alignment=alignment, seed=seed)
    sp.add_concepts(CONCEPTS)
    timelines, rows = synthetic(num_videos)
    half = len(rows) // 2
    return write_vlm_layout(sp, timelines, [('train', rows[:half]), ('test', rows[half:])],
                            str(out), 1.0, **kw)


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def test_layout_keys_shapes_dtypes(tmp_path):
    manifest = write(tmp_path)
    assert manifest['splits'] == {'train': dict(queries=12, first_qid=0),
                                  'test': dict(queries=12, first_qid=12)}
    for vid in (f'vid{i:03d}' for i in range(24)):
        with np.load(tmp_path / 'video_features' / f'{vid}.npz', allow_pickle=False) as z:
            assert z.files == ['features']
            x = z['features']
        assert x.shape == (40, 512) and x.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1, atol=1e-5)
    with np.load(tmp_path / 'text_features' / 'qid0.npz', allow_pickle=False) as z:
        assert sorted(z.files) == ['last_hidden_state', 'pooler_output']
        assert z['pooler_output'].shape == (512,) and z['pooler_output'].dtype == np.float32
        # 'the person open door' -> 2 content words
        assert z['last_hidden_state'].shape == (2, 512)
        assert z['last_hidden_state'].dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(z['pooler_output']), 1, atol=1e-5)
    assert json.loads((tmp_path / 'simulation.json').read_text())['alignment'] == 0.5


def test_qids_match_jsonl_and_text_feature_files(tmp_path):
    write(tmp_path)
    rows = read_jsonl(tmp_path / 'train.jsonl') + read_jsonl(tmp_path / 'test.jsonl')
    assert [r['qid'] for r in rows] == list(range(24))
    assert sorted(p.name for p in (tmp_path / 'text_features').iterdir()) == sorted(
        f'qid{q}.npz' for q in range(24))
    _, expected = synthetic(24)
    first = rows[13]
    assert set(first) == {'qid', 'query', 'vid', 'duration', 'relevant_windows'}
    assert first['query'] == expected[13].sentence and first['vid'] == expected[13].video_id
    assert first['relevant_windows'] == [list(expected[13].windows[0])]


def test_write_splits_keeps_the_qids(tmp_path):
    write(tmp_path, write_splits=['test'])
    rows = read_jsonl(tmp_path / 'test.jsonl')
    assert [r['qid'] for r in rows] == list(range(12, 24))
    assert not (tmp_path / 'train.jsonl').exists()
    assert len(list((tmp_path / 'video_features').iterdir())) == 12


def test_deterministic_by_seed(tmp_path):
    write(tmp_path / 'a', seed=3)
    write(tmp_path / 'b', seed=3)
    write(tmp_path / 'c', seed=4)

    def feats(d):
        with np.load(tmp_path / d / 'video_features' / 'vid005.npz') as z:
            return z['features']
    np.testing.assert_array_equal(feats('a'), feats('b'))
    assert not np.allclose(feats('a'), feats('c'))


def test_alignment_zero_inside_outside_indistinguishable_one_separates(tmp_path):
    write(tmp_path / 'zero', alignment=0.0, num_videos=48)
    write(tmp_path / 'one', alignment=1.0, num_videos=48)
    zero = similarity_statistics(str(tmp_path / 'zero'), 'test', 1.0)
    one = similarity_statistics(str(tmp_path / 'one'), 'test', 1.0)
    assert abs(zero['auc'] - 0.5) < 0.08 and abs(zero['pooled_auc'] - 0.5) < 0.05
    assert abs(zero['inside'] - zero['outside']) < 0.03
    assert one['auc'] > 0.85 and one['inside'] > one['outside'] + 0.05


def test_rank_auc_and_inside_mask_exact():
    assert rank_auc(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 1.0
    assert rank_auc(np.array([1.0]), np.array([1.0])) == 0.5
    assert rank_auc(np.array([1.0, 3.0]), np.array([2.0])) == 0.5
    np.testing.assert_array_equal(inside_mask(4, 2.0, [[2.0, 5.0]]),
                                  [False, True, True, False])  # centres 1, 3, 5, 7; ends inclusive


# ------------------------------------------------------------------ datasets
CLASSES = ('c000 Holding a cup', 'c001 Drinking from a cup', 'c002 Sitting in a chair')


def test_charades_end_to_end(tmp_path):
    root = write_charades_root(tmp_path / 'data')
    _lines(Path(root) / 'charades' / 'Charades_v1_classes.txt', CLASSES)
    sp = VLMSpace(HashWordVectors(), alignment=0.5)
    manifest = simulate_vlm_charades(root, str(tmp_path / 'out'), sp)
    assert manifest['dataset'] == 'charades-sta' and manifest['videos'] == 3
    train = read_jsonl(tmp_path / 'out' / 'train.jsonl')
    test = read_jsonl(tmp_path / 'out' / 'test.jsonl')
    assert [r['qid'] for r in train + test] == [0, 1, 2, 3]
    assert train[1] == {'qid': 1, 'query': 'person sits on a chair.', 'vid': 'BBBBB',
                        'duration': 9.5, 'relevant_windows': [[2.0, 9.5]]}
    with np.load(tmp_path / 'out' / 'video_features' / 'BBBBB.npz') as z:
        assert z['features'].shape == (10, 512)  # ceil(9.5 / 1 s)


def test_charades_class_names_refuse_bad_line(tmp_path):
    _lines(tmp_path / 'c.txt', ('c000 Holding a cup', 'x001'))
    with pytest.raises(AnnotationError, match='line 2'):
        charades_class_names(str(tmp_path / 'c.txt'))


def _qvh_root(tmp_path, val_line=None):
    folder = tmp_path / 'data' / 'qvhighlights'
    train = {'qid': 7, 'query': 'A man opens the door.', 'vid': 'abc_0.0_150.0',
             'duration': 150, 'relevant_windows': [[10, 20], [30, 34]]}
    val = {'qid': 9, 'query': 'Someone drinks from a cup.', 'vid': 'xyz_60.0_210.0',
           'duration': 150, 'relevant_windows': [[0, 150]]}
    _lines(folder / 'highlight_train_release.jsonl', (json.dumps(train),))
    _lines(folder / 'highlight_val_release.jsonl', (val_line or json.dumps(val),))
    return str(tmp_path / 'data')


def test_qvhighlights_two_second_clips_real_windows(tmp_path):
    root = _qvh_root(tmp_path)
    manifest = simulate_vlm_qvhighlights(root, str(tmp_path / 'out'),
                                         VLMSpace(HashWordVectors()))
    assert manifest['clip_seconds'] == 2.0
    val = read_jsonl(tmp_path / 'out' / 'val.jsonl')
    assert val == [{'qid': 1, 'query': 'Someone drinks from a cup.', 'vid': 'xyz_60.0_210.0',
                    'duration': 150.0, 'relevant_windows': [[0.0, 150.0]]}]
    assert read_jsonl(tmp_path / 'out' / 'train.jsonl')[0]['relevant_windows'] == [
        [10.0, 20.0], [30.0, 34.0]]
    with np.load(tmp_path / 'out' / 'video_features' / 'abc_0.0_150.0.npz') as z:
        assert z['features'].shape == (75, 512)


def test_qvhighlights_bad_record_names_file_and_line(tmp_path):
    root = _qvh_root(tmp_path, val_line='{"qid": 1, "query": "x", "vid": "v"}')
    with pytest.raises(AnnotationError, match=r'highlight_val_release.jsonl, line 1'):
        simulate_vlm_qvhighlights(root, str(tmp_path / 'out'), VLMSpace(HashWordVectors()))
