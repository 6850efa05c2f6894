"""SemanticClusteringHook: the language stage and the centres, before the
first epoch; skipped when the model already has centres."""
import pytest
import torch

from dscnet_plugin.engine import SemanticClusteringHook
from dscnet_plugin.engine.hooks.semantic_clustering_hook import collate_queries, unwrap
from dscnet_plugin.registry import DATASETS
from dscnet_plugin.utils import build_pinned

from .tiny_config import TINY_CLUSTERS, TINY_NECK_DIM, TINY_NECKS


def _hook(runner):
    found = [h for h in runner.hooks if isinstance(h, SemanticClusteringHook)]
    assert len(found) == 1
    return found[0]


def _params(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _queries(hook, device):
    tokens, mask = collate_queries(build_pinned(DATASETS, hook.query_set))
    return tokens.to(device), mask.to(device)


@torch.no_grad()
def _mean_language_loss(model, tokens, mask):
    """Mean ``L_w`` terms over all queries (eval mode, one batch)."""
    was_training = model.text_encoder.training
    model.text_encoder.eval()
    losses = {k: float(v) for k, v in model.language_loss(tokens, mask).items()}
    model.text_encoder.train(was_training)
    return losses


@pytest.fixture
def runner(tiny_cfg, build_runner):
    return build_runner(tiny_cfg())


def test_before_train_sets_the_centres(runner, log_text):
    model = unwrap(runner.model)
    hook = _hook(runner)
    assert not bool(model.centers_ready)
    assert model.centers.shape == (TINY_NECKS, TINY_CLUSTERS, TINY_NECK_DIM)
    assert not bool(model.centers.any())
    video = {name: _params(getattr(model, name)) for name in
             ('video_encoder', 'specific_head', 'foreground_head')}
    text = _params(model.text_encoder)

    hook.before_train(runner)

    assert bool(model.centers_ready)
    centers = model.centers.clone()
    assert centers.shape == (TINY_NECKS, TINY_CLUSTERS, TINY_NECK_DIM)
    assert bool(torch.isfinite(centers).all())
    assert bool(centers.any())
    for neck in range(TINY_NECKS):  # distinct centres in every neck
        assert len({tuple(c.tolist()) for c in centers[neck]}) == TINY_CLUSTERS
    # the language module (only) was trained; the video module is untouched
    assert not _same(_params(model.text_encoder), text)
    for name, before in video.items():
        assert _same(_params(getattr(model, name)), before), name
    # the word vectors are frozen
    assert torch.equal(model.text_encoder.embed.weight, text['embed.weight'])
    # the centres are those of the trained module's necks (clustering is seeded)
    tokens, mask = _queries(hook, model.centers.device)
    assert torch.equal(hook.cluster(model, tokens, mask), centers)
    # with 'center' mode each centre is a mean of necks: inside their range
    necks = model.extract_necks(tokens, mask)                       # M x N_e x d_e
    lo, hi = necks.min(0).values, necks.max(0).values
    assert bool((centers >= lo[:, None] - 1e-5).all() and (centers <= hi[:, None] + 1e-5).all())
    text_log = log_text(runner)
    assert '[language] epoch 1/2' in text_log and '[language] epoch 2/2' in text_log
    assert (f'[cluster] {tokens.size(0)} queries x {TINY_NECKS} necks -> '
            f'{TINY_CLUSTERS} centres per neck') in text_log


def test_language_loss_decreases(runner):
    model = unwrap(runner.model)
    hook = SemanticClusteringHook(query_set=_hook(runner).query_set, epochs=10,
                                  batch_size=16, lr=1e-3)
    tokens, mask = _queries(hook, model.centers.device)
    assert tokens.size(0) > hook.batch_size  # several steps per epoch
    before = _mean_language_loss(model, tokens, mask)
    assert set(before) == {'loss_cel', 'loss_mse', 'loss_dqa'}
    hook.train_language(model, tokens, mask)
    after = _mean_language_loss(model, tokens, mask)
    assert sum(after.values()) < sum(before.values()), (before, after)
    assert after['loss_cel'] < before['loss_cel'], (before, after)
    assert not model.text_encoder.training


def test_language_stage_is_logged_per_epoch(runner, log_text):
    runner.train()
    text = log_text(runner)
    losses = []
    for epoch in (1, 2):
        line = next(x for x in text.splitlines() if f'[language] epoch {epoch}/2' in x)
        fields = line.split('[language]')[1].split()
        losses.append({fields[i].rstrip(':'): float(fields[i + 1])
                       for i in range(2, len(fields) - 1, 2)})
    assert set(losses[0]) == {'L_cel', 'L_mse', 'L_dqa'}
    assert losses[1]['L_cel'] < losses[0]['L_cel'], losses


def test_skipped_when_the_model_has_centres(runner, log_text):
    model = unwrap(runner.model)
    hook = _hook(runner)
    given = torch.randn_like(model.centers)
    model.set_centers(given)
    text = _params(model.text_encoder)
    hook.before_train(runner)
    assert torch.equal(model.centers, given)
    assert _same(_params(model.text_encoder), text)
    text_log = log_text(runner)
    assert '[language] centres found in the checkpoint; language stage skipped' in text_log
    assert '[language] epoch' not in text_log and '[cluster]' not in text_log


def test_the_centres_are_reproducible(tiny_cfg, build_runner):
    centers = []
    for name in ('a', 'b'):
        runner = build_runner(tiny_cfg(name))
        _hook(runner).before_train(runner)
        centers.append(unwrap(runner.model).centers.clone())
    assert torch.equal(*centers)
