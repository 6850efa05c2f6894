"""SemanticClusteringHook: the language stage and the centres, before the
first epoch; skipped when the model already has centres."""
import pytest
import torch

from dscnet_plugin.engine import SemanticClusteringHook
from dscnet_plugin.engine.hooks import semantic_clustering_hook
from dscnet_plugin.engine.hooks.semantic_clustering_hook import collate_queries, unwrap
from dscnet_plugin.models.losses import ReconstructionLoss
from dscnet_plugin.models.text_encoders import LSTMNeckAutoEncoder
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
    # each centre's share of the queries (the nearest-centre counts) sums to 1 per neck
    near = torch.cdist(necks.transpose(0, 1), centers).argmin(-1)   # N_e x M
    shares = torch.stack([torch.bincount(n, minlength=TINY_CLUSTERS) for n in near]) / near.size(1)
    torch.testing.assert_close(model.center_share, shares)
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
    assert set(losses[0]) == {'L_cel', 'L_mse', 'L_dqa', 'token_acc'}
    assert losses[1]['L_cel'] < losses[0]['L_cel'], losses
    # the logged accuracy is the module's on all training queries after the epoch
    hook = _hook(runner)
    assert [round(h['token_acc'], 4) for h in hook.history] == [x['token_acc'] for x in losses]
    model = unwrap(runner.model)
    tokens, mask = _queries(hook, model.centers.device)
    assert hook.history[-1]['token_acc'] == hook.evaluate_accuracy(model, tokens, mask)
    assert 'did not rise' not in text and 'epochs run' not in text  # patience=None


class _LanguageOnly(torch.nn.Module):
    """The language side of DSCNet, tiny: ``text_encoder`` and ``language_loss``."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.text_encoder = LSTMNeckAutoEncoder(vocab_size=7, word_dim=4, hidden_dim=8,
                                                num_necks=2, neck_dim=4)
        self.cel = ReconstructionLoss()

    def language_loss(self, tokens, mask):
        return dict(loss_cel=self.cel(self.text_encoder(tokens, mask)['logits'], tokens, mask))


def _train_scripted(monkeypatch, accuracies, **kwargs):
    """Train a tiny language module with a hook that sees ``accuracies`` as
    the token accuracy of its epochs; ``(hook, model, logged lines)``."""
    hook = SemanticClusteringHook(query_set={}, batch_size=8, lr=1e-3, **kwargs)
    values = iter(accuracies)
    monkeypatch.setattr(hook, 'evaluate_accuracy', lambda *args: next(values))
    lines = []
    monkeypatch.setattr(semantic_clustering_hook, 'print_log', lambda msg, **kw: lines.append(msg))
    model = _LanguageOnly()
    tokens = torch.randint(1, 7, (20, 5), generator=torch.Generator().manual_seed(0))
    hook.train_language(model, tokens, torch.ones(20, 5, dtype=torch.bool))
    return hook, model, lines


def test_language_training_stops_when_the_accuracy_stops_rising(monkeypatch):
    # rises at epochs 1-3, then +0.002 (not > 0.002), -0.1, +0.001: stop at epoch 6
    hook, model, lines = _train_scripted(
        monkeypatch, [0.2, 0.4, 0.5, 0.502, 0.4, 0.501] + [0.9] * 6, epochs=12, patience=3,
        min_delta=0.002, log_interval=100)
    assert [h['epoch'] for h in hook.history] == [1, 2, 3, 4, 5, 6]
    assert not model.text_encoder.training
    # log_interval 100: only the epoch it stopped at is logged, then the reason
    assert [x.split()[:3] for x in lines] == [['[language]', 'epoch', '6/12'],
                                              ['[language]', 'token', 'accuracy']]
    assert lines[1] == ('[language] token accuracy 0.500 (epoch 3) did not rise by > 0.002 '
                        'for 3 epochs: stopped at epoch 6/12')


def test_without_patience_or_while_rising_every_epoch_runs(monkeypatch):
    hook, _, lines = _train_scripted(monkeypatch, [0.5] * 4, epochs=4)
    assert len(hook.history) == 4 and len(lines) == 4
    assert all(x.startswith('[language] epoch') for x in lines)
    hook, _, lines = _train_scripted(monkeypatch, [0.1, 0.2, 0.2, 0.3], epochs=4, patience=2)
    assert len(hook.history) == 4
    assert lines[-1] == ('[language] token accuracy 0.300 (epoch 4) still rose by > 0.002 '
                         'within the last 2 epochs: all 4 epochs run')


def test_bad_patience_is_refused_when_the_hook_is_built():
    with pytest.raises(ValueError, match='patience'):
        SemanticClusteringHook(query_set={}, patience=0)


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
