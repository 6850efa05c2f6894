"""DSCNet's predictions depend on the query: one video, two queries whose
centres match different frames -> different frame scores and top segments
(a mutation that ignores the query in ``predict`` fails here)."""
import pytest
import torch

from tests.models import test_component_swaps as swaps
from tests.models.test_component_swaps import D_IN, NE, T, build, tiny_batch

data_cfg = swaps.data_cfg  # the tiny data fixture


def wire(model, inputs):
    """Identity video encoder; frame projection = identity; the centre
    projection of every neck maps query 0's (prepared) necks to direction
    e_0 and query 1's to e_1; the foreground head says 'foreground'
    everywhere. Frames 0-2 of the video show e_0, frames 5-7 show e_1."""
    model.video_encoder.forward = lambda feats, mask: feats
    head = model.specific_head
    with torch.no_grad():
        head.frame_proj.weight.copy_(torch.eye(D_IN))
        head.frame_proj.bias.zero_()
        necks = model.prepare_necks(model.extract_necks(inputs['query_tokens'][:2],
                                                        inputs['query_mask'][:2].bool()))
        target = torch.zeros(2, D_IN)
        target[0, 0] = target[1, 1] = 8.0
        for i in range(NE):
            weight = target.T @ torch.linalg.pinv(necks[:, i].T)         # D_IN x d_e
            head.center_projs[i].weight.copy_(weight)
        fore = model.foreground_head
        for p in fore.parameters():
            p.zero_()
        fore.logit.bias.fill_(6.0)


def two_queries_one_video(data_cfg, **overrides):
    """A wired model (see :func:`wire`, eval mode) built with ``overrides``
    and a batch of its two queries on the one video whose frames 0-2 show
    e_0 and 5-7 show e_1 (8 s long)."""
    model = build(data_cfg, video_encoder=dict(embed_dim=D_IN, num_heads=1),
                  specific_head=dict(joint_dim=D_IN, center_bias=False),
                  center_necks=True, grower=dict(type='ThresholdGrower', threshold=0.9),
                  **overrides)
    model.eval()
    inputs, samples = tiny_batch(model, b=2)
    video = torch.zeros(T, D_IN)
    video[0:3, 0] = 1.0
    video[5:8, 1] = 1.0
    inputs = dict(inputs, video_feature=video.expand(2, -1, -1).clone(),
                  video_mask=torch.ones(2, T, dtype=torch.bool))
    for s in samples:
        s.set_metainfo(dict(duration=8.0))
    wire(model, inputs)
    return model, inputs, samples


@pytest.mark.parametrize('score_mode', ['probability', 'softmax_product'])
def test_two_queries_on_one_video_ground_different_moments(data_cfg, score_mode):
    model, inputs, samples = two_queries_one_video(data_cfg, score_mode=score_mode)
    with torch.no_grad():
        scores = model(inputs, mode='tensor')
        out = model(inputs, samples, mode='predict')
    assert scores[0, :3].min() > scores[0, 3:].max()       # query 0: frames 0-2
    assert scores[1, 5:].min() > scores[1, :5].max()       # query 1: frames 5-7
    f64 = dict(dtype=torch.float64)
    torch.testing.assert_close(out[0].pred_moments[0], torch.tensor([0.0, 3.0], **f64))
    torch.testing.assert_close(out[1].pred_moments[0], torch.tensor([5.0, 8.0], **f64))
    # swapping the queries swaps the answers: the video alone decides nothing
    swapped = dict(inputs, query_tokens=inputs['query_tokens'].flip(0),
                   query_mask=inputs['query_mask'].flip(0))
    with torch.no_grad():
        torch.testing.assert_close(model(swapped, mode='tensor'), scores.flip(0))


def gated_two_query_scores(data_cfg, agreement):
    """Frame scores of the two queries of the wired video after the link
    check saw ``agreement`` (threshold 0.5)."""
    model, inputs, _ = two_queries_one_video(
        data_cfg, score_mode='probability', link_threshold=0.5,
        aligner=dict(type='TransportAligner', check_restarts=1))
    assert model.query_weight == 1.0 and 'link_weight' in model.state_dict()
    model.gate_query(agreement)
    with torch.no_grad():
        return model(inputs, mode='tensor'), model


def test_a_link_that_fails_its_check_stops_the_query_being_read(data_cfg):
    scores, model = gated_two_query_scores(data_cfg, agreement=0.2)
    assert model.query_weight == 0.0 and float(model.state_dict()['link_weight']) == 0.0
    torch.testing.assert_close(scores[0], scores[1])                 # the foreground alone
    scores, model = gated_two_query_scores(data_cfg, agreement=0.5)
    assert model.query_weight == 1.0
    assert scores[0, :3].min() > scores[0, 3:].max()                 # each query its moment
    assert scores[1, 5:].min() > scores[1, :5].max()


def test_link_threshold_needs_a_checking_aligner_and_probability_scores(data_cfg):
    with pytest.raises(ValueError, match='needs an aligner that checks its link'):
        build(data_cfg, score_mode='probability', link_threshold=0.5)
    with pytest.raises(ValueError, match="link_threshold needs score_mode='probability'"):
        build(data_cfg, score_mode='softmax_product', link_threshold=0.5,
              aligner=dict(type='TransportAligner', check_restarts=1))
    assert 'link_weight' not in build(data_cfg).state_dict()         # old checkpoints load
