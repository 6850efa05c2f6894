"""The simulated shared space (``simulation.vlm_space``) on tiny inputs."""
import numpy as np
import pytest

from dscnet_plugin.datasets.simulation import TimelineEvent, VideoTimeline
from dscnet_plugin.datasets.simulation.vlm_space import (TextTower, VLMSpace,
                                                         content_words, unit_rows)

from .vlm_fixtures import CONCEPTS, HashWordVectors


def space(alignment=0.5, seed=0, **kw):
    s = VLMSpace(HashWordVectors(), alignment=alignment, seed=seed, **kw)
    s.add_concepts(CONCEPTS)
    return s


def test_content_words_drop_stop_words():
    assert content_words('The person opens a door.') == ['opens', 'door']


def test_tower_pooled_is_unit_image_of_mean_content_words():
    wv = HashWordVectors()
    tower = TextTower(8, dim=16, seed=3)
    pooled, tokens, empty = tower.encode(['a man opens the door', 'the of'], wv)
    vecs, _ = wv.lookup(['opens', 'door'])
    expected = tower(unit_rows(unit_rows(vecs).sum(0, keepdims=True)))
    np.testing.assert_allclose(pooled[0], expected[0], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(pooled, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(tokens[0], tower(unit_rows(vecs)), atol=1e-6)
    assert tokens[0].shape == (2, 16) and tokens[1].shape == (1, 16)
    assert empty == 1  # 'the of': no content word -> the tower image of 0
    np.testing.assert_allclose(pooled[1], tower(np.zeros((1, 8)))[0], atol=1e-6)


def test_unknown_words_are_skipped():
    tower = TextTower(8, dim=16)
    a, _, _ = tower.encode(['open door'], HashWordVectors())
    b, tok, _ = tower.encode(['open door zzz'], HashWordVectors(unknown=['zzz']))
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert len(tok[0]) == 2


def test_frames_shape_unit_rows_and_clip_count():
    tl = VideoTimeline('v', 9.5, 'kitchen', (TimelineEvent('c0', 2.0, 5.0),))
    x = space().frames(tl, clip_seconds=2.0)
    assert x.shape == (5, 512) and x.dtype == np.float32  # ceil(9.5 / 2)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1, atol=1e-5)


def test_frames_deterministic_by_seed_and_keyed_by_video():
    tl = VideoTimeline('v', 12.0, 'kitchen', (TimelineEvent('c1', 1.0, 6.0),))
    other = VideoTimeline('w', 12.0, 'kitchen', ())
    np.testing.assert_array_equal(space(seed=1).frames(tl), space(seed=1).frames(tl))
    assert not np.allclose(space(seed=1).frames(tl), space(seed=2).frames(tl))
    assert not np.allclose(space().frames(tl), space().frames(other))


def test_alignment_zero_frames_ignore_the_events():
    tl = VideoTimeline('v', 12.0, 'kitchen', (TimelineEvent('c1', 1.0, 6.0),))
    empty = tl._replace(events=())
    np.testing.assert_array_equal(space(0.0).frames(tl), space(0.0).frames(empty))
    assert not np.allclose(space(1.0).frames(tl), space(1.0).frames(empty))


def test_occupancy_is_share_of_each_clip():
    tl = VideoTimeline('v', 4.0, 's', (TimelineEvent('c0', 0.5, 2.0),))
    np.testing.assert_allclose(space().occupancy(tl, 1.0)[:, 0], [0.5, 1.0, 0.0, 0.0])


def test_unknown_concept_is_a_key_error():
    tl = VideoTimeline('v', 4.0, 's', (TimelineEvent('nope', 0.5, 2.0),))
    with pytest.raises(KeyError):
        space().frames(tl)


@pytest.mark.parametrize('kw', [dict(alignment=-0.1), dict(alignment=1.5),
                                dict(noise_rho=1.0), dict(gap_cosine=2.0)])
def test_invalid_parameters_are_refused(kw):
    with pytest.raises(ValueError):
        VLMSpace(HashWordVectors(), **kw)
