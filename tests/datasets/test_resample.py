"""Tests of ``resample_features``."""
import math

import numpy as np
import pytest

from dscnet_plugin.datasets import resample_features


def _column(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)[:, None]


def _pool_reference(features: np.ndarray, num_frames: int) -> np.ndarray:
    """Average pooling written from the docstring's bin formula."""
    t0 = len(features)
    rows = []
    for i in range(num_frames):
        lo = math.floor(i * t0 / num_frames)
        hi = math.ceil((i + 1) * t0 / num_frames)
        rows.append(features[lo:hi].mean(axis=0))
    return np.stack(rows)


def test_pooling_with_even_bins():
    out, mask = resample_features(_column([1, 3, 5, 7, 10, 20]), 3)
    np.testing.assert_allclose(out[:, 0], [2.0, 6.0, 15.0])
    assert out.dtype == np.float32 and out.shape == (3, 1)
    assert mask.dtype == bool and mask.all() and mask.shape == (3,)


def test_pooling_with_overlapping_bins():
    # T0=5 -> 2: bin 0 = frames [0, ceil(2.5)) = 0..2, bin 1 = [floor(2.5), 5) = 2..4
    out, _ = resample_features(_column([0, 1, 2, 3, 10]), 2)
    np.testing.assert_allclose(out[:, 0], [1.0, 5.0])


@pytest.mark.parametrize('t0, t', [(7, 3), (10, 4), (9, 2), (128, 5), (5, 1)])
def test_pooling_matches_docstring_formula(t0, t):
    feats = np.random.default_rng(t0 * 31 + t).standard_normal((t0, 3))
    out, mask = resample_features(feats, t)
    np.testing.assert_allclose(out, _pool_reference(feats, t), rtol=1e-5, atol=1e-6)
    assert mask.all()


def test_channels_are_pooled_independently():
    feats = np.stack([np.arange(4.0), -10 * np.arange(4.0)], axis=1)
    out, _ = resample_features(feats, 2)
    np.testing.assert_allclose(out, [[0.5, -5.0], [2.5, -25.0]])


def test_identity_when_lengths_match():
    feats = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    out, mask = resample_features(feats, 4)
    np.testing.assert_array_equal(out, feats)
    assert mask.all()
    out[0, 0] = 123.0  # a copy: the reader's array is not modified
    assert feats[0, 0] != 123.0


def test_interpolation_when_shorter():
    # T0=2 -> 4: positions clip(-0.25)=0, 0.25, 0.75, clip(1.25)=1
    out, mask = resample_features(_column([0.0, 4.0]), 4)
    np.testing.assert_allclose(out[:, 0], [0.0, 1.0, 3.0, 4.0])
    assert out.dtype == np.float32 and mask.all()


def test_interpolation_of_a_ramp_is_monotone_with_exact_endpoints():
    ramp = _column(np.linspace(2.0, 5.0, 5))
    out, _ = resample_features(ramp, 17)
    assert out.shape == (17, 1)
    assert out[0, 0] == pytest.approx(2.0) and out[-1, 0] == pytest.approx(5.0)
    assert np.all(np.diff(out[:, 0]) >= 0)
    assert np.all(out >= 2.0) and np.all(out <= 5.0)


def test_interpolation_of_a_single_frame_repeats_it():
    out, _ = resample_features(np.array([[1.0, -2.0]]), 3)
    np.testing.assert_allclose(out, [[1.0, -2.0]] * 3)


def test_pad_mode_zero_pads_with_mask():
    feats = np.array([[1.0, 2.0], [3.0, 4.0]])
    out, mask = resample_features(feats, 5, short_mode='pad')
    np.testing.assert_array_equal(out, [[1, 2], [3, 4], [0, 0], [0, 0], [0, 0]])
    np.testing.assert_array_equal(mask, [True, True, False, False, False])
    assert out.dtype == np.float32


def test_pad_mode_does_not_affect_longer_sequences():
    out, mask = resample_features(_column([1, 3, 5, 7]), 2, short_mode='pad')
    np.testing.assert_allclose(out[:, 0], [2.0, 6.0])
    assert mask.all()


def test_unknown_short_mode():
    with pytest.raises(ValueError, match='short_mode'):
        resample_features(_column([1.0]), 3, short_mode='repeat')
