"""foreground_share and majority_disagreement over real frames."""
import pytest
import torch

from dscnet_plugin.engine.diagnostics import foreground_share, majority_disagreement


def _bank():
    # 1 video, 1 neck, 4 centres, 4 frames; frame 3 is padding (False everywhere)
    rows = [[1, 1, 0, 0],
            [1, 0, 0, 0],
            [1, 0, 1, 0],
            [1, 0, 1, 0]]
    return torch.tensor(rows, dtype=torch.bool).view(1, 1, 4, 4), \
        torch.tensor([[True, True, True, False]])


def test_foreground_share_over_real_frames_and_over_all_frames():
    bank, real = _bank()
    assert foreground_share(bank, real) == pytest.approx(7 / 12)
    assert foreground_share(bank) == pytest.approx(7 / 16)


def test_majority_disagreement_counts_the_minority_labels():
    bank, real = _bank()
    # frame 0: 4 of 4 -> 0 off; frame 1: 1 of 4 -> 1 off; frame 2: 2 of 4 (tie) -> 2 off
    assert majority_disagreement(bank, real) == pytest.approx(3 / 12)
    assert majority_disagreement(bank) == pytest.approx(3 / 16)
    same = bank[:, :, :1].expand(-1, -1, 4, -1)
    assert majority_disagreement(same, real) == 0.0


def test_chunks_change_nothing():
    gen = torch.Generator().manual_seed(0)
    bank = torch.rand(7, 2, 5, 9, generator=gen) > 0.6
    real = torch.rand(7, 9, generator=gen) > 0.2
    shares = {majority_disagreement(bank, real, chunk=c) for c in (1, 3, 256)}
    assert len(shares) == 1
    ones = bank.sum(2)
    minority = torch.minimum(ones, 5 - ones) * real[:, None]
    assert shares.pop() == pytest.approx(float(minority.sum()) / (float(real.sum()) * 2 * 5))


def test_a_mask_of_the_wrong_shape_is_refused():
    bank, real = _bank()
    with pytest.raises(ValueError, match='real must be V x T'):
        foreground_share(bank, real[:, :3])
