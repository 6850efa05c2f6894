"""Helpers of tools/analysis/charades_transport_diagnostics.py on tiny arrays."""
import numpy as np
import pytest
import torch

from tests.tool_loader import load_tool

tool = load_tool('tools/analysis/charades_transport_diagnostics.py')


def test_moment_classes_follow_the_runs_of_moment_descriptors():
    # video 0: run 1 on clips 0-2 (class 4 twice, background once), run 2 on clip 5 (too short)
    # video 1: run 1 on clips 1-3, all background
    active = torch.tensor([[1, 1, 1, 0, 0, 1], [0, 1, 1, 1, 0, 0]], dtype=torch.bool)
    clip_class = torch.tensor([[4, 4, -1, 2, 2, 3], [1, -1, -1, -1, 1, 1]])
    assert tool.moment_classes(active, clip_class, 2, 6).tolist() == [4, -1]
    assert tool.moment_classes(active, clip_class, 1, 6).tolist() == [4, 3, -1]


def test_own_class_mass_of_planted_couplings():
    q_cls = np.array([0, 1, -1])
    m_cls = np.array([0, 0, 1, 2])
    right = np.array([[.5, .5, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    assert tool.own_class_mass(right, q_cls, m_cls) == pytest.approx(1.0)
    wrong = np.array([[0, 0, 0, 1], [1, 0, 0, 0], [1, 0, 0, 0]])
    assert tool.own_class_mass(wrong, q_cls, m_cls) == 0.0
    product = np.full((3, 4), 0.25)   # query 0: 2 of 4 moments, query 1: 1 of 4
    assert tool.own_class_mass(product, q_cls, m_cls) == pytest.approx((0.5 + 0.25) / 2)


def test_frequency_coupling_pairs_classes_by_rank():
    # queries: class 2 most frequent, then 0; moments: class 2 most frequent, then 1
    q_cls = np.array([2, 2, 2, 0, 0, -1])
    m_cls = np.array([2, 2, 1, -1])
    c = tool.frequency_coupling(q_cls, m_cls, 3)
    assert c[:3].tolist() == [[.5, .5, 0, 0]] * 3       # class 2 -> the class-2 moments
    assert c[3:5].tolist() == [[0, 0, 1, 0]] * 2         # class 0 (rank 2) -> class 1
    assert c[5].sum() == 0                                # unclassed query: no mass
    assert tool.own_class_mass(c, q_cls, m_cls) == pytest.approx(3 / 5)


def test_run_extents_and_the_weighted_correlation():
    active = torch.tensor([[1, 1, 1, 0, 0, 1], [0, 1, 1, 1, 0, 0]], dtype=torch.bool)
    assert tool.run_extents(active, 2).tolist() == [[0, 3], [1, 3]]
    assert tool.run_extents(active, 1).tolist() == [[0, 3], [5, 1], [1, 3]]
    lengths = np.array([1.0, 2.0, 3.0])
    # each query sent to the moment of its own length, then to the reversed one
    assert tool.weighted_correlation(np.eye(3), lengths, lengths) == pytest.approx(1.0)
    assert tool.weighted_correlation(np.eye(3)[::-1], lengths, lengths) == pytest.approx(-1.0)
