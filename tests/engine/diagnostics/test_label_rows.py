"""distinct_label_rows: distinct ``T``-frame rows among the centres of each (video, neck)."""
import pytest
import torch

from dscnet_plugin.engine.diagnostics import distinct_label_rows


def test_identical_rows_count_once_and_all_different_rows_count_n_c():
    gen = torch.Generator().manual_seed(0)
    same = (torch.rand(3, 2, 1, 20, generator=gen) > 0.5).expand(-1, -1, 5, -1)
    assert torch.equal(distinct_label_rows(same), torch.ones(3, 2))
    # 5 centres labelling 5 different single frames: all rows differ
    distinct = torch.eye(5, 20, dtype=torch.bool).expand(3, 2, 5, 20)
    assert torch.equal(distinct_label_rows(distinct), torch.full((3, 2), 5.0))


def test_counts_per_video_and_neck_across_chunks_and_long_rows():
    t = 130  # rows that differ only in the last frame still differ
    bank = torch.zeros(5, 2, 4, t, dtype=torch.bool)
    bank[1, 0, 1, -1] = True                     # video 1, neck 0: 2 distinct rows
    bank[2, 1, :2, 0] = True                     # video 2, neck 1: 2 (rows 0, 1 equal)
    bank[2, 1, 3, 64] = True                     # ... and a third row
    bank[4, 0] = torch.eye(4, t, dtype=torch.bool)  # video 4, neck 0: 4
    expected = torch.ones(5, 2)
    expected[1, 0], expected[2, 1], expected[4, 0] = 2, 3, 4
    for chunk in (1, 2, 256):
        assert torch.equal(distinct_label_rows(bank, chunk=chunk), expected)


def test_rows_of_equal_size_that_differ_are_told_apart():
    # every single-frame row of 70 frames: equal ones-counts, all different
    bank = torch.eye(70, dtype=torch.bool).view(1, 1, 70, 70)
    assert torch.equal(distinct_label_rows(bank), torch.full((1, 1), 70.0))
    bank[0, 0, 1] = bank[0, 0, 0]                 # one row repeated
    assert torch.equal(distinct_label_rows(bank), torch.full((1, 1), 69.0))
    empty = torch.zeros(0, 2, 3, 4, dtype=torch.bool)
    assert distinct_label_rows(empty).shape == (0, 2)


def test_a_bank_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match='V x N_e x N_c x T'):
        distinct_label_rows(torch.zeros(2, 3, 4, dtype=torch.bool))
