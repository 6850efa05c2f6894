"""ProposalGrower: ranked windows of any frame curve."""
import torch

from dscnet_plugin.models import ProposalGrower


def test_the_top_window_is_the_bump_whatever_the_curve_scale():
    curve = torch.zeros(2, 20)
    curve[0, 5:10] = 1.0
    curve[1, 12:16] = 1.0
    curve = curve * 7.0 - 3.0  # any scale: minmax normalisation
    valid = torch.ones(2, 20, dtype=torch.bool)
    grower = ProposalGrower(scales=(0.2, 0.25), stride_ratio=0.25, dynamic_weight=0.0)
    segments, scores = grower(curve, valid)
    assert segments.shape[0] == 2 and segments.shape[2] == 2
    assert torch.allclose(segments[0, 0].float(), torch.tensor([0.25, 0.5]))
    assert torch.allclose(segments[1, 0].float(), torch.tensor([0.6, 0.8]))
    assert bool((scores[:, :-1] >= scores[:, 1:]).all())  # best first


def test_padded_frames_are_outside_every_window():
    curve = torch.zeros(1, 16)
    curve[0, 12:] = 5.0  # large values on the padding only
    curve[0, 2:4] = 1.0
    valid = torch.zeros(1, 16, dtype=torch.bool)
    valid[0, :10] = True
    segments, scores = ProposalGrower(top_k=3, nms_thresh=1.0)(curve, valid)
    real = torch.isfinite(scores[0])
    assert bool((segments[0][real] <= 1.0 + 1e-9).all())  # fractions of the 10 real frames
    assert torch.allclose(segments[0, 0, 0].float(), torch.tensor(0.2), atol=0.1)
