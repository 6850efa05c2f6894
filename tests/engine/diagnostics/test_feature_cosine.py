"""mean_pairwise_cosine over the real frames of a batch."""
import math

import pytest
import torch

from dscnet_plugin.engine.diagnostics import mean_pairwise_cosine


def test_a_constant_encoder_has_cosine_one():
    feats = torch.tensor([1.0, -2.0, 0.5]).expand(3, 6, 3) * torch.rand(3, 6, 1).add(0.1)
    mask = torch.ones(3, 6, dtype=torch.bool)
    assert mean_pairwise_cosine(feats, mask) == pytest.approx(1.0)


def test_the_mean_is_over_all_pairs_of_real_frames_across_videos():
    # frames e1, e1, e2 real (across 2 videos), a padded frame that would change it
    feats = torch.tensor([[[1.0, 0.0], [2.0, 0.0]], [[0.0, 3.0], [-5.0, 0.0]]])
    mask = torch.tensor([[True, True], [True, False]])
    # pairs: (e1, e1) = 1, (e1, e2) = 0 twice -> 1 / 3
    assert mean_pairwise_cosine(feats, mask) == pytest.approx(1 / 3)
    # brute force on random features
    gen = torch.Generator().manual_seed(0)
    x, m = torch.randn(2, 5, 4, generator=gen), torch.rand(2, 5, generator=gen) > 0.3
    real = torch.nn.functional.normalize(x[m], dim=-1)
    cos = real @ real.T
    n = real.size(0)
    assert mean_pairwise_cosine(x, m) == pytest.approx(float((cos.sum() - n) / (n * (n - 1))))


def test_fewer_than_two_frames_give_nan_and_bad_shapes_are_refused():
    assert math.isnan(mean_pairwise_cosine(torch.ones(1, 2, 3), torch.tensor([[True, False]])))
    with pytest.raises(ValueError, match='disagree'):
        mean_pairwise_cosine(torch.ones(1, 2, 3), torch.ones(1, 3, dtype=torch.bool))
