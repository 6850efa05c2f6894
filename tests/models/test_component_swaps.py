"""Every DSCNet component swaps by config ``type=``; a tiny DSCNet runs its
``loss`` and ``predict`` modes."""
import copy
import json
import math

import pytest
import torch
from mmengine.registry import DefaultScope

from dscnet_plugin.models import (DSCNet, ForegroundAttentionHead, ForegroundTripletLoss,
                                  GroundingBCELoss, KMeansNeckClusterer, LSTMNeckAutoEncoder,
                                  NCutLabeller,
                                  SimilarityQuantileLabeller, SpecificAttentionHead,
                                  SphericalKMeansNeckClusterer, ThresholdGrower, TopKGrower)
from dscnet_plugin.registry import ATTENTION_HEADS, LOSSES, MODELS, TEXT_ENCODERS
from dscnet_plugin.structures import GroundingDataSample

SENTENCES = ['person opens the door', 'a person sits on the chair',
             'the person holds a cup', 'person closes the door quickly',
             'someone drinks from a cup']
GLOVE_WORDS = ['person', 'opens', 'the', 'door', 'a', 'sits', 'on', 'chair', 'cup']
NE, DE, NC, T, D_IN = 2, 4, 3, 8, 6


@pytest.fixture
def data_cfg(tmp_path):
    ann = tmp_path / 'sta_train.txt'
    ann.write_text(''.join(f'VID{k % 2} {k}.0 {k + 2}.5##{s}\n'
                           for k, s in enumerate(SENTENCES)))
    dur = tmp_path / 'durations.json'
    dur.write_text(json.dumps({'VID0': 20.0, 'VID1': 12.0}))
    glove = tmp_path / 'glove.txt'
    glove.write_text(''.join(
        f'{w} ' + ' '.join(f'{math.sin(k * 7 + j):.4f}' for j in range(5)) + '\n'
        for k, w in enumerate(GLOVE_WORDS)))
    return dict(
        vocabulary=dict(type='QueryVocabulary', annotation=dict(
            type='CharadesSTAAnnotation', ann_file=str(ann), duration_file=str(dur))),
        word_vectors=dict(type='GloveTextVectors', path=str(glove)))


def tiny_cfg(data_cfg, **overrides):
    cfg = dict(
        type='DSCNet',
        text_encoder=dict(type='LSTMNeckAutoEncoder', hidden_dim=8, num_layers=1,
                          num_necks=NE, neck_dim=DE),
        video_encoder=dict(type='SelfAttentionVideoEncoder', in_dim=D_IN, embed_dim=8,
                           num_heads=2, num_layers=1, dropout=0.0),
        specific_head=dict(type='SpecificAttentionHead', joint_dim=8, score_norm='sigmoid'),
        foreground_head=dict(type='ForegroundAttentionHead', hidden_dim=8, num_layers=1,
                             kernel_size=3, score_norm='sigmoid'),
        clusterer=dict(type='KMeansNeckClusterer', num_clusters=NC, center_mode='center'),
        pseudo_labeller=dict(type='NCutLabeller', num_iters=30),
        grower=dict(type='TopKGrower', threshold=0.9, top_k=3, nms_thresh=0.5),
        language_losses=dict(
            cel=dict(type='ReconstructionLoss', loss_weight=1.0),
            mse=dict(type='SentenceMSELoss', loss_weight=0.5),
            dqa=dict(type='NeckDiversityLoss', lambda_=0.5, loss_weight=0.5)),
        video_losses=dict(
            cls=dict(type='GroundingBCELoss', loss_weight=1.0),
            sab=dict(type='SpecificAttentionLoss', theta=1.0, tau1=1e-4, tau2=1e-4,
                     loss_weight=0.5),
            trip=dict(type='ForegroundTripletLoss', margin=0.5, loss_weight=0.5)),
        num_frames=T)
    cfg.update(copy.deepcopy(data_cfg))
    for key, value in overrides.items():
        # a component dict without 'type' updates the default; the loss dicts
        # ({name: loss config}) are replaced whole
        if key.endswith('_losses') or not isinstance(value, dict) or 'type' in value:
            cfg[key] = value
        else:
            cfg[key] = dict(cfg[key], **value)
    return cfg


def build(data_cfg, **overrides):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('dscnet_plugin'):
        return MODELS.build(tiny_cfg(data_cfg, **overrides))


@pytest.fixture
def register():
    """Register test-only classes; remove them afterwards."""
    added = []

    def _register(registry):
        def decorator(cls):
            registry.register_module(module=cls)
            added.append((registry, cls.__name__))
            return cls
        return decorator

    yield _register
    for registry, name in added:
        registry._module_dict.pop(name)
    for registry, name in added:
        assert name not in registry._module_dict


def tiny_batch(model, b=3):
    g = torch.Generator().manual_seed(1)
    lengths = torch.tensor([8, 6, 5, 8])[:b]
    mask = torch.arange(T)[None] < lengths[:, None]
    feats = torch.randn(b, T, D_IN, generator=g) * mask[..., None]
    tokens, tmask = [], []
    for s in SENTENCES[:b]:
        ids, n = model.vocab.encode(s, 7)
        tokens.append(torch.as_tensor(ids))
        tmask.append(torch.arange(7) < n)
    inputs = dict(video_feature=feats, video_mask=mask, query_tokens=torch.stack(tokens),
                  query_mask=torch.stack(tmask))
    durations = [20.0, 12.0, 30.0, 9.0][:b]
    samples = [GroundingDataSample(metainfo=dict(video_index=k, duration=durations[k],
                                                 video_id=f'v{k}', query=SENTENCES[k]))
               for k in range(b)]
    return inputs, samples


def prepare(model, inputs, num_videos=3):
    """Centres from the queries' necks, labels in the bank (Algorithm 1, line 1)."""
    necks = model.extract_necks(inputs['query_tokens'], inputs['query_mask'])
    model.set_centers(model.clusterer(necks))
    model.init_label_bank(num_videos)
    b = inputs['video_feature'].size(0)
    labels = model.compute_labels(inputs['video_feature'], inputs['video_mask'],
                                  list(range(NE)), initial=True)
    model.pseudo_labels[torch.arange(b)] = labels
    return labels


# ----------------------------------------------------------------------------
# the default tiny model
# ----------------------------------------------------------------------------
def test_tiny_dscnet_builds(data_cfg):
    model = build(data_cfg)
    assert isinstance(model, DSCNet)
    assert type(model.text_encoder) is LSTMNeckAutoEncoder
    assert type(model.clusterer) is KMeansNeckClusterer
    assert type(model.pseudo_labeller) is NCutLabeller
    assert type(model.grower) is TopKGrower
    assert model.centers.shape == (NE, NC, DE)
    # filled in: vocab size, word dim from the GloVe file, frozen embedding
    vocab = model.vocab
    assert model.text_encoder.embed.num_embeddings == len(vocab)
    assert model.text_encoder.embed.embedding_dim == 5
    assert not model.text_encoder.embed.weight.requires_grad
    assert len(model.specific_head.center_projs) == NE
    assert model.specific_head.center_projs[0].in_features == DE
    assert model.foreground_head.convs[0].in_channels == 8
    glove_row = [math.sin(GLOVE_WORDS.index('door') * 7 + j) for j in range(5)]
    torch.testing.assert_close(model.text_encoder.embed.weight[vocab.index['door']],
                               torch.tensor(glove_row), atol=1e-4, rtol=0)


def test_loss_mode(data_cfg):
    model = build(data_cfg)
    inputs, samples = tiny_batch(model)
    labels = prepare(model, inputs)
    assert labels.shape == (3, NE, NC, T)
    assert labels.any() and not labels[~inputs['video_mask'][:, None, None].expand_as(labels)].any()
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_cls', 'loss_sab', 'loss_trip'}
    for v in losses.values():
        assert v.dim() == 0 and torch.isfinite(v)
    assert losses['loss_cls'] > 0
    sum(losses.values()).backward()
    assert model.video_encoder.proj[0].weight.grad.abs().sum() > 0
    assert model.specific_head.center_projs[0].weight.grad.abs().sum() > 0
    assert model.foreground_head.logit.weight.grad.abs().sum() > 0
    # the labels come from the bank by video_index
    model.zero_grad()
    model.pseudo_labels.zero_()
    empty = model(inputs, samples, mode='loss')
    assert empty['loss_trip'] == 0                       # no foreground anchor
    assert not torch.isclose(empty['loss_cls'], losses['loss_cls'])


@pytest.mark.parametrize('vote,fg_frames', [(0.5, 2), (0.3, 4), (1.0, 0)])
def test_triplet_foreground_by_centre_vote(data_cfg, vote, fg_frames):
    model = build(data_cfg, foreground_vote=vote)
    inputs, samples = tiny_batch(model)
    prepare(model, inputs)
    model.pseudo_labels.zero_()
    model.pseudo_labels[:, 0, 0, :4] = True             # centre 0: frames 0-3
    model.pseudo_labels[:, 0, 1, :2] = True             # centre 1: frames 0-1
    # votes: frames 0-1 -> 2/3, frames 2-3 -> 1/3, others 0
    got = model(inputs, samples, mode='loss')['loss_trip']
    mask = inputs['video_mask']
    frames = model.video_encoder(inputs['video_feature'], mask)
    feats = model.foreground_head(frames, mask)['features']
    fg = torch.zeros(3, T, dtype=torch.bool)
    fg[:, :fg_frames] = True
    expected = ForegroundTripletLoss(margin=0.5, loss_weight=0.5)(feats, fg, mask)
    torch.testing.assert_close(got, expected)
    if fg_frames == 0:
        assert got == 0
    else:
        assert got > 0


def test_loss_uses_active_neck(data_cfg):
    model = build(data_cfg)
    inputs, samples = tiny_batch(model)
    prepare(model, inputs)
    model.active_neck = 0
    a = model(inputs, samples, mode='loss')
    model.active_neck = 1
    b = model(inputs, samples, mode='loss')
    assert not torch.isclose(a['loss_sab'], b['loss_sab'])
    # the labels of the active neck are the ones used
    model.pseudo_labels[:, 0] = ~model.pseudo_labels[:, 0]
    c = model(inputs, samples, mode='loss')
    torch.testing.assert_close(c['loss_cls'], b['loss_cls'])
    torch.testing.assert_close(c['loss_trip'], b['loss_trip'])
    model.pseudo_labels[:, 1] = ~model.pseudo_labels[:, 1]
    d = model(inputs, samples, mode='loss')
    assert not torch.isclose(d['loss_cls'], b['loss_cls'])
    # and the bank row of each sample's video_index
    mask = inputs['video_mask']
    model.pseudo_labels[:, 1] = False
    model.pseudo_labels[2, 1] = mask[0]                 # a bank row no sample uses
    e = model(inputs, samples, mode='loss')
    model.pseudo_labels[2, 1] = False
    model.pseudo_labels[0, 1] = mask[0]                 # sample 0's row
    f = model(inputs, samples, mode='loss')
    swapped = [GroundingDataSample(metainfo=dict(s.metainfo)) for s in samples]
    swapped[0].set_metainfo(dict(video_index=2))          # rows 0 and 2 swap
    swapped[2].set_metainfo(dict(video_index=0))
    model.pseudo_labels[:, 1] = False
    model.pseudo_labels[2, 1] = mask[0]
    g = model(inputs, swapped, mode='loss')
    assert not torch.isclose(e['loss_cls'], f['loss_cls'])
    torch.testing.assert_close(g['loss_cls'], f['loss_cls'])


def test_language_loss(data_cfg):
    model = build(data_cfg)
    inputs, _ = tiny_batch(model)
    out = model.language_loss(inputs['query_tokens'], inputs['query_mask'])
    assert set(out) == {'loss_cel', 'loss_mse', 'loss_dqa'}
    assert all(torch.isfinite(v) and v > 0 for v in out.values())
    dropped = build(data_cfg, language_losses=dict(
        cel=dict(type='ReconstructionLoss'), mse=dict(type='SentenceMSELoss')))
    assert set(dropped.language_loss(inputs['query_tokens'], inputs['query_mask'])) == {
        'loss_cel', 'loss_mse'}


@pytest.mark.parametrize('grower,max_k', [(dict(type='TopKGrower', top_k=3), 3),
                                          (dict(type='ThresholdGrower', threshold=0.9), 1)])
def test_predict_mode(data_cfg, grower, max_k):
    model = build(data_cfg, grower=grower)
    model.eval()
    inputs, samples = tiny_batch(model)
    with torch.no_grad():
        out = model(inputs, samples, mode='predict')
        scores = model(inputs, mode='tensor')
    assert out is samples
    assert scores.shape == (3, T)
    assert torch.all(scores[~inputs['video_mask']] == 0)
    torch.testing.assert_close(scores.max(-1).values, torch.ones(3))
    for k, s in enumerate(out):
        dur = s.metainfo['duration']
        m = s.pred_moments
        assert m.dtype == torch.float64 and m.dim() == 2 and m.size(1) == 2
        assert 1 <= m.size(0) <= max_k
        assert s.pred_scores.shape == (m.size(0),)
        assert torch.isfinite(s.pred_scores).all()
        assert (m >= 0).all() and (m <= dur + 1e-9).all() and (m[:, 0] < m[:, 1]).all()
        # segments are whole real frames of the video, in seconds
        n_real = int(inputs['video_mask'][k].sum())
        frames = m / dur * n_real
        torch.testing.assert_close(frames, frames.round(), atol=1e-6, rtol=0)
        # the best proposal is seeded at the highest-scoring frame
        best = int(scores[k].argmax())
        assert m[0, 0] <= best / n_real * dur + 1e-9 <= m[0, 1]
        assert s.pred_scores[0] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        model(inputs, samples, mode='nonsense')


# ----------------------------------------------------------------------------
# swaps of registered components
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('name,cls', [('KMeansNeckClusterer', KMeansNeckClusterer),
                                      ('SphericalKMeansNeckClusterer',
                                       SphericalKMeansNeckClusterer)])
def test_swap_clusterer(data_cfg, name, cls):
    model = build(data_cfg, clusterer=dict(type=name, num_clusters=2, center_mode='center'))
    assert type(model.clusterer) is cls
    assert model.num_clusters == 2 and model.centers.shape == (NE, 2, DE)
    inputs, _ = tiny_batch(model)
    centers = model.clusterer(model.extract_necks(inputs['query_tokens'],
                                                  inputs['query_mask']))
    assert centers.shape == (NE, 2, DE)
    norms = centers.norm(dim=-1)
    assert torch.allclose(norms, torch.ones_like(norms)) == (cls is SphericalKMeansNeckClusterer)


@pytest.mark.parametrize('cfg,cls', [
    (dict(type='NCutLabeller', num_iters=20), NCutLabeller),
    (dict(type='SimilarityQuantileLabeller', quantile=0.5), SimilarityQuantileLabeller)])
def test_swap_labeller(data_cfg, cfg, cls):
    model = build(data_cfg, pseudo_labeller=cfg)
    assert type(model.pseudo_labeller) is cls
    inputs, samples = tiny_batch(model)
    labels = prepare(model, inputs)
    relabel = model.compute_labels(inputs['video_feature'], inputs['video_mask'], [1])
    assert relabel.shape == (3, 1, NC, T) and relabel.dtype == torch.bool
    assert not relabel[~inputs['video_mask'][:, None, None].expand_as(relabel)].any()
    if cls is SimilarityQuantileLabeller:
        # half of the real frames of every (video, centre)
        n_real = inputs['video_mask'].sum(-1)
        assert torch.all(relabel.sum(-1)[:, 0] >= (n_real[:, None] + 1) // 2)
        assert torch.all(labels.sum(-1) >= (n_real[:, None, None] + 1) // 2)
    assert all(torch.isfinite(v) for v in model(inputs, samples, mode='loss').values())


@pytest.mark.parametrize('cfg,cls', [(dict(type='ThresholdGrower'), ThresholdGrower),
                                     (dict(type='TopKGrower', top_k=2), TopKGrower)])
def test_swap_grower(data_cfg, cfg, cls):
    model = build(data_cfg, grower=cfg)
    assert type(model.grower) is cls


def test_swap_custom_text_encoder(data_cfg, register):
    @register(TEXT_ENCODERS)
    class TinyTestTextEncoder(LSTMNeckAutoEncoder):
        built_with = None

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            TinyTestTextEncoder.built_with = kwargs

    model = build(data_cfg, text_encoder=dict(type='TinyTestTextEncoder', hidden_dim=6,
                                              num_layers=1, num_necks=3, neck_dim=5))
    assert type(model.text_encoder) is TinyTestTextEncoder
    kw = TinyTestTextEncoder.built_with
    assert kw['vocab_size'] == len(model.vocab) and kw['word_dim'] == 5
    assert kw['embedding'].shape == (len(model.vocab), 5)
    # N_e and d_e flow from the text encoder into the model and heads
    assert model.num_necks == 3 and model.centers.shape == (3, NC, 5)
    assert len(model.specific_head.center_projs) == 3
    inputs, samples = tiny_batch(model)
    with torch.no_grad():
        model.eval()
        model(inputs, samples, mode='predict')
    assert samples[0].pred_moments.size(0) >= 1


def test_swap_custom_loss(data_cfg, register):
    calls = []

    @register(LOSSES)
    class CountingBCELoss(GroundingBCELoss):
        def forward(self, scores, labels, mask):
            calls.append(scores.shape)
            return super().forward(scores, labels, mask) * 0 + 42.0

    model = build(data_cfg, video_losses=dict(cls=dict(type='CountingBCELoss'),
                                              trip=dict(type='ForegroundTripletLoss')))
    assert type(model.video_losses['cls']) is CountingBCELoss
    inputs, samples = tiny_batch(model)
    prepare(model, inputs)
    losses = model(inputs, samples, mode='loss')
    assert calls == [(3, NC, T)]
    assert losses['loss_cls'].item() == 42.0
    # 'sab' was left out: its term is gone
    assert set(losses) == {'loss_cls', 'loss_trip'}


@pytest.mark.parametrize('kept', [('cls',), ('sab', 'trip'), ('cls', 'trip'), ()])
def test_removing_video_loss_removes_term(data_cfg, kept):
    full = tiny_cfg(data_cfg)['video_losses']
    model = build(data_cfg, video_losses={k: full[k] for k in kept})
    inputs, samples = tiny_batch(model)
    prepare(model, inputs)
    assert set(model(inputs, samples, mode='loss')) == {f'loss_{k}' for k in kept}


def test_loss_weight_reaches_model_output(data_cfg):
    base = build(data_cfg)
    heavy = build(data_cfg, video_losses=dict(
        cls=dict(type='GroundingBCELoss', loss_weight=3.0),
        sab=dict(type='SpecificAttentionLoss', loss_weight=1.0),
        trip=dict(type='ForegroundTripletLoss', loss_weight=2.0)))
    inputs, samples = tiny_batch(base)
    prepare(base, inputs)
    prepare(heavy, inputs)
    a = base(inputs, samples, mode='loss')
    b = heavy(inputs, samples, mode='loss')
    torch.testing.assert_close(b['loss_cls'], 3.0 * a['loss_cls'])
    torch.testing.assert_close(b['loss_sab'], 2.0 * a['loss_sab'])
    torch.testing.assert_close(b['loss_trip'], 4.0 * a['loss_trip'])


def test_swap_custom_attention_head(data_cfg, register):
    @register(ATTENTION_HEADS)
    class ScaledSpecificHead(SpecificAttentionHead):
        def forward(self, frames, centers, neck, mask):
            out = super().forward(frames, centers, neck, mask)
            out['scores'] = out['scores'] * 0.5
            return out

    model = build(data_cfg, specific_head=dict(type='ScaledSpecificHead', joint_dim=8))
    assert type(model.specific_head) is ScaledSpecificHead
    assert len(model.specific_head.center_projs) == NE
    inputs, samples = tiny_batch(model)
    prepare(model, inputs)
    assert torch.isfinite(model(inputs, samples, mode='loss')['loss_cls'])
    # same weights (same seed); halving A_spe at inference equals temperature 2
    base = build(data_cfg, inference_temperature=2.0)
    prepare(base, inputs)
    torch.testing.assert_close(model.frame_scores(inputs), base.frame_scores(inputs))
    base.inference_temperature = 1.0
    assert not torch.allclose(model.frame_scores(inputs), base.frame_scores(inputs))
    # the scores enter L_cls (h = A_spe A_fore): halving them changes it
    assert not torch.isclose(model(inputs, samples, mode='loss')['loss_cls'],
                             base(inputs, samples, mode='loss')['loss_cls'])


def test_swap_custom_foreground_head(data_cfg, register):
    @register(ATTENTION_HEADS)
    class ConstantForegroundHead(ForegroundAttentionHead):
        def forward(self, frames, mask):
            out = super().forward(frames, mask)
            out['scores'] = mask.to(frames.dtype)
            return out

    model = build(data_cfg, foreground_head=dict(type='ConstantForegroundHead', hidden_dim=4))
    assert type(model.foreground_head) is ConstantForegroundHead
    assert model.foreground_head.convs[0].in_channels == 8     # in_dim filled in
    inputs, samples = tiny_batch(model)
    prepare(model, inputs)
    losses = model(inputs, samples, mode='loss')
    assert all(torch.isfinite(v) for v in losses.values())


def test_register_fixture_cleans_up():
    for registry, name in [(TEXT_ENCODERS, 'TinyTestTextEncoder'), (LOSSES, 'CountingBCELoss'),
                           (ATTENTION_HEADS, 'ScaledSpecificHead'),
                           (ATTENTION_HEADS, 'ConstantForegroundHead')]:
        assert name not in registry._module_dict
