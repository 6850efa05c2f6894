"""center_cosine_spread: off-diagonal cosine of the centres per neck, raw and centred."""
import pytest
import torch

from dscnet_plugin.engine.diagnostics import center_cosine_spread


def test_centring_makes_offset_equal_centres_distinguishable():
    # neck 0: a large shared offset b plus small distinct parts (c_hat = W c + b)
    offset = torch.tensor([100.0, 0.0, 0.0, 0.0])
    parts = torch.tensor([[0.0, 1.0, 0.0, 0.0], [0.0, -1.0, 0.0, 0.0],
                          [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, -1.0, 0.0]])
    centers = torch.stack([offset + parts, parts])                # N_e=2 x N_c=4 x 4
    raw = center_cosine_spread(centers)
    # raw: opposite parts 9999 / 10001, orthogonal ones 10000 / 10001: all ~1
    assert float(raw['min'][0]) == pytest.approx(9999 / 10001)
    assert float(raw['max'][0]) == pytest.approx(10000 / 10001)
    assert float(raw['mean'][0]) == pytest.approx((4 * 9999 + 8 * 10000) / (12 * 10001))
    centred = center_cosine_spread(centers, centred=True)
    # after centring both necks are the same 4 vectors: pairs cos -1 (x2 opposite) or 0
    for s in (centred, raw):
        assert float(s['max'][1]) == pytest.approx(0.0, abs=1e-12)
        assert float(s['min'][1]) == pytest.approx(-1.0)
        assert float(s['mean'][1]) == pytest.approx(-1 / 3)  # 4 of 12 ordered pairs at -1
    assert torch.allclose(centred['mean'], torch.full((2,), -1 / 3))
    assert torch.allclose(centred['min'], torch.full((2,), -1.0))


def test_one_centre_gives_nan_and_bad_shapes_are_refused():
    assert torch.isnan(center_cosine_spread(torch.ones(2, 1, 3))['mean']).all()
    with pytest.raises(ValueError, match='N_e x N_c x d'):
        center_cosine_spread(torch.ones(4, 3))
