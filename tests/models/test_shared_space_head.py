"""SharedSpaceHead and CentreRegressionLoss: DSCNet-VLM's video module."""
import pytest
import torch
import torch.nn.functional as F

from dscnet_plugin.models import CentreRegressionLoss, SharedSpaceHead


def test_the_untrained_head_is_the_centred_cosine():
    gen = torch.Generator().manual_seed(0)
    frames = torch.randn(2, 6, 8, generator=gen)
    centers = torch.randn(1, 3, 8, generator=gen)
    mask = torch.ones(2, 6, dtype=torch.bool)
    mask[1, 4:] = False
    out = SharedSpaceHead(8, 8, temperature=0.1)(frames, centers, 0, mask)
    mean = (frames * mask[..., None]).sum(1, keepdim=True) / mask.sum(1)[:, None, None]
    expect = torch.einsum('kd,btd->bkt', F.normalize(centers[0], dim=-1),
                          F.normalize(frames - mean, dim=-1)) / 0.1
    assert torch.allclose(out['logits'][0], expect[0], atol=1e-5)
    assert torch.allclose(out['logits'][1, :, :4], expect[1, :, :4], atol=1e-5)
    assert torch.equal(out['frame_embed'][1, 4:], torch.zeros(2, 8))  # padding is 0
    assert torch.allclose(out['attention'][1, :, :4].sum(-1), torch.ones(3))
    assert torch.equal(out['center_embed'], centers)  # centres are not projected


def test_the_video_mean_does_not_move_the_scores():
    gen = torch.Generator().manual_seed(1)
    frames = torch.randn(1, 5, 4, generator=gen)
    centers = torch.randn(1, 2, 4, generator=gen)
    mask = torch.ones(1, 5, dtype=torch.bool)
    head = SharedSpaceHead(4, 4)
    a = head(frames, centers, 0, mask)['logits']
    b = head(frames + torch.tensor([3.0, -1.0, 2.0, 0.5]), centers, 0, mask)['logits']
    assert torch.allclose(a, b, atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match='one space'):
        SharedSpaceHead(8, 4)
    with pytest.raises(ValueError, match='temperature'):
        SharedSpaceHead(4, 4, temperature=0.0)


def test_centre_regression_exact_value():
    frames = torch.tensor([[[1.0, 0.0], [0.0, 2.0], [5.0, 5.0]]])     # 1 x 3 x 2
    centers = torch.tensor([[[1.0, 1.0], [0.0, 0.0]]])                 # 1 x 2 x 2
    labels = torch.tensor([[[True, False, True], [False, True, False]]])
    mask = torch.tensor([[True, True, False]])                         # frame 2 is padding
    # frame 0 -> centre 0: |(0, -1)|^2 = 1; frame 1 -> centre 1: |(0, 2)|^2 = 4
    loss = CentreRegressionLoss(loss_weight=2.0)(frames, centers, labels, mask)
    assert loss.item() == pytest.approx(2.0 * (1 + 4) / 2)
    none = CentreRegressionLoss()(frames, centers, torch.zeros_like(labels), mask)
    assert none.item() == 0.0


def test_regression_training_moves_frames_onto_their_centre():
    gen = torch.Generator().manual_seed(2)
    centers = F.normalize(torch.randn(1, 2, 6, generator=gen), dim=-1)
    rot = torch.linalg.qr(torch.randn(6, 6, generator=gen))[0]       # frames: rotated centres
    frames = (centers[0][torch.tensor([0, 1, 0, 1])] @ rot).unsqueeze(0)
    labels = torch.tensor([[[1, 0, 1, 0], [0, 1, 0, 1]]]).bool()
    mask = torch.ones(1, 4, dtype=torch.bool)
    head = SharedSpaceHead(6, 6, center_frames=False)
    loss_fn = CentreRegressionLoss()
    optim = torch.optim.Adam(head.parameters(), lr=0.05)
    before = loss_fn(head(frames, centers, 0, mask)['frame_embed'], centers, labels, mask)
    for _ in range(200):
        loss = loss_fn(head(frames, centers, 0, mask)['frame_embed'], centers, labels, mask)
        optim.zero_grad()
        loss.backward()
        optim.step()
    assert loss.item() < 0.01 * before.item()
    logits = head(frames, centers, 0, mask)['logits'][0]               # 2 x 4
    assert logits.argmax(0).tolist() == [0, 1, 0, 1]
