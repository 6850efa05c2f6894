"""Adjacent-frame score ratios: quantiles and threshold shares."""
import pytest
import torch

from dscnet_plugin.engine.diagnostics import score_ratio_summary
from dscnet_plugin.models.grounders.frame_scoring import adjacent_ratios


def test_summary_exact():
    ratios = torch.tensor([0.1, 0.5, 0.8, 0.85, 0.9, 0.95, 1.0, 1.0, 1.0, 1.0, 1.0])
    s = score_ratio_summary(ratios)
    assert s['count'] == 11
    assert s['median'] == pytest.approx(0.95)
    assert s['q10'] == pytest.approx(0.5)
    assert s['q90'] == pytest.approx(1.0)
    assert s['at_least_0_9'] == pytest.approx(7 / 11)
    assert s['at_least_0_8'] == pytest.approx(9 / 11)


def test_flat_curves_show_as_ratios_at_one():
    """A flat curve (the collapse the paper's 0.9 test cannot stop on) has
    every ratio >= 0.9; a curve with a clear bump has few."""
    mask = torch.ones(2, 6, dtype=torch.bool)
    flat = torch.tensor([[1.0, 0.99, 0.98, 0.97, 0.96, 0.95]] * 2)
    bump = torch.tensor([[0.01, 0.02, 1.0, 1.0, 0.02, 0.01]] * 2)
    assert score_ratio_summary(adjacent_ratios(flat, mask))['at_least_0_9'] == 1.0
    assert score_ratio_summary(adjacent_ratios(bump, mask))['at_least_0_9'] == pytest.approx(0.2)
