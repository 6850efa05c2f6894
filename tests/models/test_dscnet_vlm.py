"""DSCNetVLM: centres from query features, anchor labels, query-driven scores."""
import pytest
import torch
import torch.nn.functional as F

from dscnet_plugin.registry import MODELS
from dscnet_plugin.utils import build_pinned

D, T, K = 16, 16, 4


def _model(**kw):
    cfg = dict(type='DSCNetVLM', feature_dim=D, num_frames=T,
               video_encoder=dict(type='SelfAttentionVideoEncoder', embed_dim=32, num_heads=4),
               specific_head=dict(type='SpecificAttentionHead', joint_dim=32,
                                  center_bias=False),
               foreground_head=dict(type='ForegroundAttentionHead', hidden_dim=16),
               clusterer=dict(type='KMeansNeckClusterer', num_clusters=K),
               pseudo_labeller=dict(type='AnchorShareLabeller', activity_share=0.25, smooth=1),
               grower=dict(type='TopKGrower', threshold=0.5, top_k=3),
               video_losses=dict(cls=dict(type='GroundingBCELoss')))
    cfg.update(kw)
    torch.manual_seed(0)
    return build_pinned(MODELS, cfg)


def _world(n_videos=48, seed=0):
    """K classes with unit signatures; each video shows one class on 4 frames."""
    gen = torch.Generator().manual_seed(seed)
    sig = F.normalize(torch.randn(K, D, generator=gen), dim=-1)
    queries = F.normalize(sig.repeat_interleave(10, 0)
                          + 0.1 * torch.randn(10 * K, D, generator=gen), dim=-1)
    cls = torch.arange(n_videos) % K
    start = torch.randint(0, T - 4, (n_videos,), generator=gen)
    feats = 0.15 * torch.randn(n_videos, T, D, generator=gen)
    t = torch.arange(T)
    inside = (t >= start[:, None]) & (t < start[:, None] + 4)
    feats = feats + inside.unsqueeze(-1) * sig[cls].unsqueeze(1)
    return sig, queries, feats, cls, start


def test_centres_are_the_query_clusters():
    sig, queries, *_ = _world()
    model = _model()
    centers = model.fit_centers(queries)
    assert centers.shape == (1, K, D)
    assert bool(model.centers_ready)
    best = (F.normalize(sig - queries.mean(0), dim=-1) @ centers[0].T).argmax(0)
    assert sorted(best.tolist()) == list(range(K))  # one centre per class


def test_initial_labels_follow_the_anchor():
    sig, queries, feats, cls, start = _world()
    model = _model()
    centers = model.fit_centers(queries)[0]
    mask = torch.ones(len(feats), T, dtype=torch.bool)
    labels = model.compute_labels(feats, mask, [0], initial=True)[:, 0]  # V x K x T
    owner = (F.normalize(sig - model.query_mean, dim=-1) @ centers.T).argmax(1)  # class->centre
    hits = labels[torch.arange(len(feats)), owner[cls]]                         # V x T
    t = torch.arange(T)
    inside = (t >= start[:, None]) & (t < start[:, None] + 4)
    assert float((hits & inside).sum() / inside.sum()) > 0.6  # chance: 0.25
    assert int(labels.sum(1).max()) <= 1


def test_training_makes_the_scores_follow_the_query():
    sig, queries, feats, cls, start = _world()
    model = _model()
    model.fit_centers(queries)
    mask = torch.ones(len(feats), T, dtype=torch.bool)
    model.init_label_bank(len(feats))
    model.pseudo_labels[:] = model.compute_labels(feats, mask, [0], initial=True)
    optim = torch.optim.Adam(model.parameters(), lr=3e-3)
    samples = [type('S', (), dict(metainfo=dict(video_index=i)))() for i in range(len(feats))]
    model.train()
    for _ in range(60):
        loss = sum(model.loss(dict(video_feature=feats, video_mask=mask), samples).values())
        optim.zero_grad()
        loss.backward()
        optim.step()
    model.eval()
    # one video, two queries with different target moments
    video = 0.15 * torch.randn(1, T, D, generator=torch.Generator().manual_seed(7))
    video[0, 2:6] += sig[0]
    video[0, 10:14] += sig[1]
    inputs = dict(video_feature=video.repeat(2, 1, 1), video_mask=torch.ones(2, T).bool(),
                  query_feature=sig[:2])
    with torch.no_grad():
        scores = model(inputs, mode='tensor')
    assert 2 <= int(scores[0].argmax()) < 6
    assert 10 <= int(scores[1].argmax()) < 14


def test_bad_arguments():
    with pytest.raises(ValueError, match='score_mode'):
        _model(score_mode='nope')
    with pytest.raises(ValueError, match='anchor_weight'):
        _model(anchor_weight=1.5)


def test_relabelling_keeps_the_anchor_labels_unless_blended():
    sig, queries, feats, cls, start = _world()
    mask = torch.ones(len(feats), T, dtype=torch.bool)
    kept = _model(anchor_weight=1.0)
    kept.fit_centers(queries)
    assert torch.equal(kept.compute_labels(feats, mask, [0], initial=False),
                       kept.compute_labels(feats, mask, [0], initial=True))
    blended = _model(anchor_weight=0.0)
    blended.fit_centers(queries)
    assert not torch.equal(blended.compute_labels(feats, mask, [0], initial=False),
                           blended.compute_labels(feats, mask, [0], initial=True))


def test_shared_space_configuration_reads_the_query():
    """The configs' video module (no encoder, no foreground head, cosine
    scores): an untrained model is the centred VLM cosine, so two queries
    with different moments in one video peak at their own moments."""
    sig, queries, *_ = _world()
    model = _model(video_encoder=None, foreground_head=None,
                   specific_head=dict(type='SharedSpaceHead'), score_mode='cosine',
                   video_losses=dict(reg=dict(type='CentreRegressionLoss')))
    model.fit_centers(queries)
    video = 0.15 * torch.randn(1, T, D, generator=torch.Generator().manual_seed(7))
    video[0, 2:6] += sig[0]
    video[0, 10:14] += sig[1]
    inputs = dict(video_feature=video.repeat(2, 1, 1), video_mask=torch.ones(2, T).bool(),
                  query_feature=sig[:2])
    scores = model(inputs, mode='tensor')
    assert 2 <= int(scores[0].argmax()) < 6 and 10 <= int(scores[1].argmax()) < 14
    frames = model.diagnostic_frames(inputs['video_feature'], inputs['video_mask'])
    assert frames.shape == (2, T, D)
    with pytest.raises(ValueError, match='foreground_head'):
        _model(foreground_head=None, score_mode='probability')


def test_the_relabel_blend_keeps_the_anchor_order_of_the_centres():
    """Standardised per video over all centres and frames, the anchor alone
    labels exactly as the raw cosine does (a per-centre standardisation
    would reorder the centres at a frame and relabel every video)."""
    from dscnet_plugin.models.grounders.dscnet_vlm import _standardise
    from dscnet_plugin.models.labellers import center_similarity
    sig, queries, feats, *_ = _world()
    mask = torch.ones(len(feats), T, dtype=torch.bool)
    mask[:5, 12:] = False
    model = _model()
    model.fit_centers(queries)
    anchor = center_similarity(feats, model.centers)
    labeller = model.pseudo_labeller
    assert torch.equal(labeller(_standardise(anchor, mask), mask), labeller(anchor, mask))
