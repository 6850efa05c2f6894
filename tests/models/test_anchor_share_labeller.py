"""AnchorShareLabeller: centre labels from frame-centre scores."""
import pytest
import torch

from dscnet_plugin.models import AnchorShareLabeller


def _scores():
    """1 video, 2 centres, 10 frames: centre 0 peaks on 2-4, centre 1 on 6-8."""
    s = torch.zeros(1, 2, 10)
    s[0, 0, 2:5] = 1.0
    s[0, 1, 6:9] = 0.8
    return s


def test_each_centre_gets_its_own_frames():
    mask = torch.ones(1, 10, dtype=torch.bool)
    labels = AnchorShareLabeller(activity_share=0.6, smooth=1)(_scores(), mask)
    assert labels[0, 0].nonzero().flatten().tolist() == [2, 3, 4]
    assert labels[0, 1].nonzero().flatten().tolist() == [6, 7, 8]
    assert int(labels.sum(1).max()) == 1  # no frame has two centres


def test_activity_share_picks_the_most_contrasted_frames():
    mask = torch.ones(1, 10, dtype=torch.bool)
    labels = AnchorShareLabeller(activity_share=0.3, smooth=1)(_scores(), mask)
    assert labels[0, 0].nonzero().flatten().tolist() == [2, 3, 4]
    assert not labels[0, 1].any()  # centre 1's peak is weaker: no frame left for it


def test_a_centre_shared_by_the_whole_video_is_no_evidence():
    mask = torch.ones(1, 10, dtype=torch.bool)
    s = _scores()
    s[0, 1] += 5.0  # centre 1 close to every frame (e.g. the video's look)
    labels = AnchorShareLabeller(activity_share=0.6, smooth=1)(s, mask)
    assert labels[0, 0].nonzero().flatten().tolist() == [2, 3, 4]
    assert labels[0, 1].nonzero().flatten().tolist() == [6, 7, 8]


def test_padded_frames_are_never_labelled_and_do_not_move_the_contrast():
    s = torch.cat([_scores(), torch.full((1, 2, 4), 9.0)], -1)  # 4 padded frames of junk
    mask = torch.zeros(1, 14, dtype=torch.bool)
    mask[0, :10] = True
    labels = AnchorShareLabeller(activity_share=0.6, smooth=3)(s, mask)
    assert not labels[0, :, 10:].any()
    ref = AnchorShareLabeller(activity_share=0.6, smooth=3)(_scores(), mask[:, :10])
    assert torch.equal(labels[..., :10], ref)


def test_smoothing_fills_a_one_frame_dip():
    s = torch.zeros(1, 1, 12)
    s[0, 0, 3:8] = 1.0
    s[0, 0, 5] = 0.0  # a dip inside the action
    mask = torch.ones(1, 12, dtype=torch.bool)
    raw = AnchorShareLabeller(activity_share=5 / 12, smooth=1)(s, mask)
    smooth = AnchorShareLabeller(activity_share=5 / 12, smooth=3)(s, mask)
    assert not raw[0, 0, 5]
    assert smooth[0, 0, 3:8].all()


@pytest.mark.parametrize('kwargs', [dict(activity_share=0.0), dict(activity_share=1.0),
                                    dict(smooth=0)])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        AnchorShareLabeller(**kwargs)
