"""DSCNet's centre-dependent labels (issue 11): centred necks, centre
shares, and initial labels that split the activity cut among the centres
by their visual prototypes (``ActivitySplitLabeller`` +
``ClusterMatchingAligner``)."""
import pytest
import torch

from dscnet_plugin.models.labellers import ActivitySplitLabeller, center_similarity
from tests.models import test_component_swaps as swaps
from tests.models.test_component_swaps import D_IN, DE, NC, NE, T, build, tiny_batch

data_cfg = swaps.data_cfg     # the pytest fixture of the tiny vocabulary and word vectors

SPLIT = dict(pseudo_labeller=dict(type='ActivitySplitLabeller',
                                  activity=dict(type='NCutLabeller', num_iters=20)),
             aligner=dict(type='ClusterMatchingAligner', restarts=2))


def unit(x):
    return x / x.norm(dim=-1, keepdim=True)


# ----------------------------------------------------------------------------
# necks and centres
# ----------------------------------------------------------------------------
def test_prepare_necks_centres_normalises_and_keeps_the_fitted_mean(data_cfg):
    model = build(data_cfg, center_necks=True)
    g = torch.Generator().manual_seed(0)
    necks = torch.randn(5, NE, DE, generator=g) + 3.0
    out = model.prepare_necks(necks, fit=True)
    mean = necks.sum(0) / 5
    torch.testing.assert_close(model.neck_mean, mean)
    torch.testing.assert_close(out, unit(necks - mean))
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(5, NE))
    # later calls (inference) subtract the stored mean, not their own
    other = torch.randn(3, NE, DE, generator=g) - 2.0
    later = model.prepare_necks(other)
    torch.testing.assert_close(later, unit(other - mean))
    assert not torch.allclose(later, unit(other - other.mean(0)))
    torch.testing.assert_close(model.neck_mean, mean)           # not refitted
    assert 'neck_mean' in model.state_dict()                    # travels in checkpoints


def test_prepare_necks_without_centring_is_identity(data_cfg):
    model = build(data_cfg, center_necks=False)
    necks = torch.randn(4, NE, DE) + 3.0
    assert torch.equal(model.prepare_necks(necks, fit=True), necks)
    assert torch.equal(model.prepare_necks(necks), necks)
    assert torch.equal(model.neck_mean, torch.zeros(NE, DE))


def test_set_centers_stores_nearest_centre_shares(data_cfg):
    model = build(data_cfg)
    eye = torch.eye(DE)
    centers = 10 * torch.stack([torch.stack([eye[0], eye[1], eye[2]]),
                                torch.stack([eye[3], -eye[3], eye[0]])])   # NE x NC x DE
    # neck 0 near centres 0, 0, 0, 1, 2, 2; neck 1 near 0, 1, 1, 1, 1, 1
    near = torch.tensor([[0, 0, 0, 1, 2, 2], [0, 1, 1, 1, 1, 1]])
    necks = 9 * centers[torch.arange(NE)[:, None], near].transpose(0, 1) / 10
    necks = necks + 0.1 * torch.randn(necks.shape, generator=torch.Generator().manual_seed(0))
    assert not model.centers_ready
    model.set_centers(centers, necks)
    assert model.centers_ready
    assert torch.equal(model.centers, centers)
    torch.testing.assert_close(model.center_share,
                               torch.tensor([[3, 1, 2], [1, 5, 0]]) / 6.0)
    # with the queries' word vectors: each centre's mean over its queries
    d_w = model.center_words.size(-1)
    words = torch.arange(6.0).unsqueeze(1).repeat(1, d_w)               # M x d_w
    model.set_centers(centers, necks, words)
    expected = torch.tensor([[1.0, 3.0, 4.5], [0.0, 3.0, 0.0]])       # empty centre: 0
    torch.testing.assert_close(model.center_words, expected.unsqueeze(-1).expand(-1, -1, d_w))


def test_activity_split_needs_an_aligner(data_cfg):
    with pytest.raises(ValueError, match='ActivitySplitLabeller needs an `aligner`'):
        build(data_cfg, pseudo_labeller=SPLIT['pseudo_labeller'])


# ----------------------------------------------------------------------------
# initial labels: the activity cut split by the centres' visual prototypes
# ----------------------------------------------------------------------------
def aligned_model(data_cfg):
    """A tiny activity-split model after Algorithm 1's line 1 inputs:
    centres of the prepared necks, prototypes from the batch's descriptors."""
    model = build(data_cfg, center_necks=True, **SPLIT)
    inputs, _ = tiny_batch(model, b=4)
    necks = model.prepare_necks(
        model.extract_necks(inputs['query_tokens'], inputs['query_mask']), fit=True)
    model.set_centers(model.clusterer(necks), necks)
    desc, _ = model.alignment_descriptors(inputs['video_feature'], inputs['video_mask'])
    model.fit_alignment(desc)
    return model, inputs, desc


def test_initial_labels_split_the_activity_among_centres(data_cfg):
    model, inputs, desc = aligned_model(data_cfg)
    feats, mask = inputs['video_feature'], inputs['video_mask']
    assert desc.dim() == 2 and desc.size(1) == D_IN and desc.size(0) >= NC
    assert torch.equal(desc, model.alignment_descriptors(feats, mask)[0])  # no draw
    protos = model.visual_prototypes
    assert protos.shape == (NE, NC, D_IN)
    torch.testing.assert_close(protos.norm(dim=-1), torch.ones(NE, NC))
    labels = model.compute_labels(feats, mask, list(range(NE)), initial=True)
    assert labels.shape == (4, NE, NC, T) and labels.dtype == torch.bool
    act = model.pseudo_labeller.activity(
        feats, mask, generator=torch.Generator().manual_seed(model.seed)) & mask
    assert act.any(-1).all()                                # every video has an activity
    # (a) each real activity frame is 1 for exactly one centre per neck
    assert torch.equal(labels.sum(2), act.unsqueeze(1).expand(-1, NE, -1).long())
    # (b) the union over centres is the activity cut, nothing on padding
    assert torch.equal(labels.any(2), act.unsqueeze(1).expand(-1, NE, -1))
    assert not labels[~mask.unsqueeze(1).unsqueeze(1).expand_as(labels)].any()
    # each frame goes to the prototype nearest to its centred feature
    x = ActivitySplitLabeller.centred(feats, act, mask)
    for i in range(NE):
        best = center_similarity(x, protos[i].unsqueeze(0)).argmax(1)     # B x T
        assert torch.equal(labels[:, i].float().argmax(1)[act], best[act])
    # (c) the prototypes differ, and so do the centres' labels
    for i in range(NE):
        cos = unit(protos[i]) @ unit(protos[i]).T
        assert cos[~torch.eye(NC, dtype=torch.bool)].max() < 0.999
        assert int(labels[:, i].any(-1).any(0).sum()) >= 2      # >= 2 centres fire
    rows_equal = (labels == labels[:, :, :1]).all(-1).all(-1)  # B x NE
    assert not rows_equal.any()


def test_initial_labels_with_equal_prototypes_go_to_one_centre(data_cfg):
    # the contrast of (c): identical prototypes leave the split no choice
    model, inputs, _ = aligned_model(data_cfg)
    feats, mask = inputs['video_feature'], inputs['video_mask']
    model.visual_prototypes.copy_(model.visual_prototypes[:, :1].expand(-1, NC, -1))
    labels = model.compute_labels(feats, mask, list(range(NE)), initial=True)
    assert labels[:, :, 0].any() and not labels[:, :, 1:].any()


def test_plain_labeller_initial_labels_are_one_cut_for_every_centre(data_cfg):
    # today's reading stays selectable: the same centre-free cut on every row
    model = build(data_cfg, pseudo_labeller=dict(type='NCutLabeller', num_iters=20))
    inputs, _ = tiny_batch(model, b=4)
    labels = model.compute_labels(inputs['video_feature'], inputs['video_mask'],
                                  list(range(NE)), initial=True)
    assert labels.shape == (4, NE, NC, T)
    assert labels.any()
    assert (labels == labels[:, :1, :1]).all()
