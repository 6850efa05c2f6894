"""DSCNet with the transport link (issue 11, ``docs/method.md`` readings
23-24): queries grouped by their word vectors, the centres of the nearest
group at inference, relabelling by the prototypes, moment descriptors for
a ``TransportAligner``, and the fitted inference temperature."""
import pytest
import torch
import torch.nn.functional as F

from tests.models import test_component_swaps as swaps
from tests.models.test_component_swaps import D_IN, NC, NE, T, build, tiny_batch

data_cfg = swaps.data_cfg     # the tiny vocabulary and word vectors

TRANSPORT = dict(
    text_groups='words', word_weighting='content', inference_centres='assigned',
    center_necks=True, score_mode='probability',
    pseudo_labeller=dict(type='ActivitySplitLabeller',
                         activity=dict(type='DeviationActivityLabeller')),
    aligner=dict(type='TransportAligner', restarts=1, outer=3))


def queries(model, b=3):
    inputs, samples = tiny_batch(model, b=b)
    tokens, mask = inputs['query_tokens'], inputs['query_mask'].bool()
    necks = model.prepare_necks(model.extract_necks(tokens, mask), fit=True)
    return inputs, samples, necks, model.query_word_vectors(tokens, mask)


def test_words_groups_give_centres_that_average_the_groups_necks(data_cfg):
    model = build(data_cfg, **TRANSPORT)
    _, _, necks, words = queries(model)
    model.fit_centers(necks, words)
    groups = model.clusterer.assign(words - words.mean(0))
    _, groups_kept = model.query_groups
    assert torch.equal(groups_kept, groups.expand(NE, -1))        # one partition, every neck
    torch.testing.assert_close(model.word_mean, words.mean(0))
    for j in range(NC):
        member = groups == j
        if member.any():
            expected = F.normalize(necks[member].mean(0), dim=-1)  # N_e x d_e, unit centres
            torch.testing.assert_close(model.centers[:, j], expected)
    torch.testing.assert_close(model.center_share[0],
                               torch.bincount(groups, minlength=NC) / len(groups))


def test_assigned_inference_uses_the_nearest_groups_centres(data_cfg):
    model = build(data_cfg, **TRANSPORT)
    inputs, _, necks, words = queries(model, b=4)                  # 4 queries, 3 groups
    model.fit_centers(necks, words)
    tokens, mask = inputs['query_tokens'], inputs['query_mask'].bool()
    got = model.assigned_centres(tokens, mask)                     # B x N_e x d_e
    w = F.normalize(words - model.word_mean, dim=-1)
    means = F.normalize(model.center_words[0] - model.word_mean, dim=-1)
    group = (w @ means.T).argmax(-1)
    assert torch.equal(got, model.centers[:, group].transpose(0, 1))
    # a group of two queries: its centre is neither's own necks, so the scores differ
    model.eval()
    with torch.no_grad():
        assigned = model(inputs, mode='tensor')
        model.inference_centres = 'query'
        own = model(inputs, mode='tensor')
    assert not torch.allclose(assigned, own)


@pytest.mark.parametrize('overrides,match', [
    (dict(text_groups='sentences'), 'text_groups must be one of'),
    (dict(word_weighting='idf'), 'word_weighting must be one of'),
    (dict(inference_centres='assigned'), "needs text_groups='words'"),
    (dict(relabel_split='random'), 'relabel_split must be one of'),
    (dict(temperature_grid=(1, 2), score_mode='softmax_product'),
     "temperature_grid needs score_mode='probability'"),
    (dict(temperature_target='longest'), 'temperature_target must be one of'),
])
def test_bad_transport_options(data_cfg, overrides, match):
    with pytest.raises(ValueError, match=match):
        build(data_cfg, **overrides)


def planted_actions(b):
    """``B x T x D`` videos: noise plus two 2-frame actions (an offset along
    one axis), the last video with two padded frames."""
    g = torch.Generator().manual_seed(3)
    feats = torch.randn(b, T, D_IN, generator=g) * 0.05
    for k in range(b):
        feats[k, 1:3, k % D_IN] += 3.0
        feats[k, 4:6, (k + 1) % D_IN] += 3.0
    mask = torch.ones(b, T, dtype=torch.bool)
    mask[-1, -2:] = False
    return feats * mask.unsqueeze(-1), mask


def aligned(data_cfg, **overrides):
    model = build(data_cfg, **dict(TRANSPORT, **overrides))
    inputs, _, necks, words = queries(model)
    model.fit_centers(necks, words)
    feats, mask = planted_actions(inputs['video_feature'].size(0))
    rows, video = model.alignment_descriptors(feats, mask)
    expected, _ = model.pseudo_labeller.moment_descriptors(feats, mask)
    assert torch.equal(rows, expected)                              # moments, not frames
    model.fit_alignment(rows)
    return model, feats, mask


def test_transport_alignment_and_relabelling_by_prototypes(data_cfg):
    model, feats, mask = aligned(data_cfg, relabel_split='prototypes')
    assert model.alignment_descriptors(feats, mask)[0].size(0) == 2 * feats.size(0)
    torch.testing.assert_close(model.visual_prototypes.norm(dim=-1)[model.center_share > 0],
                               torch.ones(int((model.center_share > 0).sum())))
    first = model.compute_labels(feats, mask, list(range(NE)), initial=True)
    again = model.compute_labels(feats, mask, list(range(NE)), initial=False)
    assert torch.equal(first, again)                                # the aligner's split stays
    model.relabel_split = 'logits'
    learned = model.compute_labels(feats, mask, list(range(NE)), initial=False)
    assert torch.equal(learned.any(2), first.any(2))                # same activity, own split


def test_transport_alignment_needs_the_clustered_queries(data_cfg):
    model = build(data_cfg, **TRANSPORT)
    inputs, _ = tiny_batch(model)
    rows, _ = model.alignment_descriptors(inputs['video_feature'], inputs['video_mask'])
    with pytest.raises(RuntimeError, match='SemanticClusteringHook'):
        model.fit_alignment(rows)


def test_fitted_temperature_is_the_best_of_the_grid_and_scores_use_it(data_cfg):
    model, feats, mask = aligned(data_cfg, temperature_grid=(0.5, 1.0, 4.0))
    labels = model.compute_labels(feats, mask, list(range(NE)), initial=True)
    model.pseudo_labels = labels
    index = torch.arange(feats.size(0))
    assert float(model.fitted_temperature) == 0 and model.temperature == 1.0
    model.eval()
    table = model.fit_inference_temperature([(feats, mask, index)])
    assert set(table) == {0.5, 1.0, 4.0}
    assert float(model.fitted_temperature) == max(table, key=table.get) == model.temperature
    assert 'fitted_temperature' in model.state_dict()              # travels in checkpoints
    inputs, _ = tiny_batch(model)
    with torch.no_grad():
        fitted = model(inputs, mode='tensor')
        model.fitted_temperature.fill_(0.0)
        model.inference_temperature = float(max(table, key=table.get))
        plain = model(inputs, mode='tensor')
    torch.testing.assert_close(fitted, plain)
    assert fitted.shape == (3, T)


def test_alignment_with_a_link_check_sets_the_query_weight(data_cfg, monkeypatch):
    checked = dict(type='TransportAligner', restarts=1, outer=3, check_restarts=1)
    seen = []
    monkeypatch.setattr(type(build(data_cfg, **TRANSPORT)), 'gate_query',
                        lambda self, agreement: seen.append(agreement))
    model, _, _ = aligned(data_cfg, link_threshold=0.5, aligner=checked)
    assert seen == [model.aligner.agreement] and -1 <= seen[0] <= 1
    monkeypatch.undo()
    model, feats, mask = aligned(data_cfg, link_threshold=0.5, aligner=checked,
                                 temperature_grid=(0.5, 4.0))
    assert model.query_weight == float(model.aligner.agreement >= 0.5)
    # the temperature fit scores the centres as queries are scored: foreground alone at 0
    model.pseudo_labels = model.compute_labels(feats, mask, list(range(NE)), initial=True)
    model.eval()
    model.link_weight.fill_(0.0)
    with torch.no_grad():
        model.specific_head.center_projs[0].weight.mul_(-5)
    table = model.fit_inference_temperature([(feats, mask, torch.arange(feats.size(0)))])
    with torch.no_grad():
        model.specific_head.center_projs[0].weight.div_(-5)
    assert model.fit_inference_temperature([(feats, mask, torch.arange(feats.size(0)))]) \
        == table
