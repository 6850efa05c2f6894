"""TrainingDiagnosticsHook: one diagnostics line per epoch (and on demand),
a WARNING with ``COLLAPSE`` the moment a collapse sign shows."""
import logging
import math
from types import SimpleNamespace

import pytest
import torch

from dscnet_plugin.engine import TrainingDiagnosticsHook
from mmengine.registry import init_default_scope
from mmengine.runner import get_priority

from dscnet_plugin.engine.diagnostics import foreground_share
from dscnet_plugin.engine.hooks import training_diagnostics_hook as hook_module
from dscnet_plugin.models.losses import GroundingBCELoss
from dscnet_plugin.registry import HOOKS, MODELS

V, N_E, N_C, T, D = 6, 2, 4, 8, 5


class _Model(torch.nn.Module):
    """What the hook reads of DSCNet: the bank, the centres, the encoder, the head."""

    def __init__(self, bank: torch.Tensor, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.pseudo_labels = bank
        self.labels_ready = torch.tensor(True)
        self.centers_ready = torch.tensor(True)
        self.centers = torch.randn(N_E, N_C, 3, generator=torch.Generator().manual_seed(1))
        self.video_encoder = encoder
        self.video_losses = torch.nn.ModuleDict(dict(cls=GroundingBCELoss()))


class _Dataset:
    """Training videos: features ``T x D`` and mask; video ``i`` has ``i + 3`` real frames."""

    def __init__(self, pads: bool = False) -> None:
        self.pipeline = SimpleNamespace(transforms=[SimpleNamespace(
            short_mode='pad' if pads else 'interpolate')])
        self.pads = pads
        self.reads = 0

    def __len__(self) -> int:
        return V

    def __getitem__(self, i: int) -> dict:
        self.reads += 1
        mask = torch.arange(T) < (i + 3) if self.pads else torch.ones(T, dtype=torch.bool)
        feats = torch.randn(T, D, generator=torch.Generator().manual_seed(i)) * mask[:, None]
        return dict(inputs=dict(video_feature=feats, video_mask=mask),
                    data_samples=SimpleNamespace(metainfo=dict(video_index=i)))


class _Linear(torch.nn.Linear):
    def forward(self, feats, mask):
        return super().forward(feats)


class _Scale(torch.nn.Module):
    def forward(self, feats, mask):
        return 2 * feats


class _Constant(torch.nn.Module):
    def forward(self, feats, mask):
        return torch.ones(*feats.shape[:2], 4) + 0 * feats.sum(-1, keepdim=True)


def _runner(bank, encoder=None, pads=False):
    model = _Model(bank, encoder or _Linear(D, 4))
    return SimpleNamespace(model=model, epoch=0,
                           train_dataloader=SimpleNamespace(dataset=_Dataset(pads)))


@pytest.fixture
def logged(monkeypatch):
    """The ``(level, message)`` of every line the hook logs."""
    lines = []
    monkeypatch.setattr(hook_module, 'print_log',
                        lambda msg, level=logging.INFO, **kw: lines.append((level, msg)))
    return lines


def _same_rows_bank():
    gen = torch.Generator().manual_seed(0)
    return (torch.rand(V, N_E, 1, T, generator=gen) > 0.5).expand(-1, -1, N_C, -1).clone()


def _distinct_rows_bank():
    return torch.eye(N_C, T, dtype=torch.bool).expand(V, N_E, N_C, T).clone()


def test_identical_centre_labels_warn_at_once(logged):
    hook = TrainingDiagnosticsHook(probe_videos=3)
    stats = hook.log_diagnostics(_runner(_same_rows_bank()), 'after relabel 2')
    assert stats['distinct_rows'] == 1.0 and stats['single_row_share'] == 1.0
    assert stats['off_majority'] == 0.0
    assert len(logged) == 1
    level, message = logged[0]
    assert level == logging.WARNING
    assert message.startswith('[diagnostics] after relabel 2: COLLAPSE (distinct label rows '
                              'per (video, neck) 1.000 < 1.5)')
    assert f'1.00 of {N_C} distinct rows per (video, neck) (100% with 1)' in message
    assert hook.last is stats


def test_distinct_rows_and_a_healthy_model_give_an_info_line(logged):
    hook = TrainingDiagnosticsHook(probe_videos=3, projected_cos_max=1.1)
    bank = _distinct_rows_bank()
    stats = hook.log_diagnostics(_runner(bank), 'epoch 1', losses=dict(loss_cls=0.5))
    assert stats['distinct_rows'] == float(N_C)
    assert stats['foreground'] == pytest.approx(1 / T)
    # each frame 0..3 has 1 of 4 centres at 1: 1 label off the majority of 4
    assert stats['off_majority'] == pytest.approx((4 * 1) / (T * N_C))
    assert stats['real_frames'] == 'all'
    assert stats['signs'] == [] and stats['cls_below_ln2'] is True
    level, message = logged[0]
    assert level == logging.INFO and 'COLLAPSE' not in message
    assert message.startswith('[diagnostics] epoch 1: L_cls 0.5000 (L_cls below ln 2 = 0.6931)')
    # no specific head: raw and centred centres only
    assert 'centre cos per neck raw ' in message and 'projected' not in message


def test_a_constant_encoder_warns_and_the_input_cosine_is_beside_it(logged):
    hook = TrainingDiagnosticsHook(probe_videos=4)
    runner = _runner(_distinct_rows_bank(), encoder=_Constant())
    runner.model.video_encoder.train()
    stats = hook.log_diagnostics(runner, 'epoch 3')
    assert stats['encoder_cos'] == pytest.approx(1.0)
    assert stats['probe_videos'] == 4
    feats = torch.stack([runner.train_dataloader.dataset[i]['inputs']['video_feature']
                         for i in range(4)])
    real = torch.nn.functional.normalize(feats.flatten(0, 1), dim=-1)
    n = real.size(0)
    assert stats['input_cos'] == pytest.approx(float(((real @ real.T).sum() - n) / (n * (n - 1))))
    assert logged[0][0] == logging.WARNING
    assert 'COLLAPSE (encoder output cosine 1.000 > 0.9)' in logged[0][1]
    assert runner.model.video_encoder.training  # the mode is restored


def test_projected_centres_with_a_shared_bias_warn(logged):
    runner = _runner(_distinct_rows_bank())
    proj = torch.nn.Linear(3, 6)
    with torch.no_grad():
        proj.weight.mul_(0.01)
        proj.bias.fill_(5.0)  # c_hat ~ b for every centre
    runner.model.specific_head = SimpleNamespace(embed_centers=lambda c, neck: proj(c))
    stats = TrainingDiagnosticsHook(probe_videos=2).log_diagnostics(runner, 'start')
    assert stats['projected_cos'] > 0.95
    # centring removes the bias: the projected centres differ again
    assert float(stats['projected_centred']['mean'].max()) < 0.5
    assert 'projected-centre cosine' in stats['signs'][0]
    assert ', projected ' in logged[0][1] and ', projected centred ' in logged[0][1]


def test_padded_videos_are_measured_over_their_real_frames(logged):
    bank = torch.ones(V, N_E, N_C, T, dtype=torch.bool)
    lengths = torch.arange(V) + 3
    bank &= (torch.arange(T) < lengths[:, None])[:, None, None]   # False on padded frames
    runner = _runner(bank, pads=True)
    hook = TrainingDiagnosticsHook(probe_videos=2)
    stats = hook.log_diagnostics(runner, 'start')
    assert stats['real_frames'] == 'read' and stats['foreground'] == 1.0
    assert foreground_share(bank) == pytest.approx(float(lengths.sum()) / (V * T))
    assert '(over real frames)' in logged[-1][1]
    assert logged[0][1] == ('[diagnostics] real frames of 6 training videos read '
                            '(the pipeline pads short videos)')
    reads = runner.train_dataloader.dataset.reads
    hook.log_diagnostics(runner, 'epoch 1')
    assert runner.train_dataloader.dataset.reads == reads  # masks and probe read once


def test_epoch_losses_are_averaged_and_compared_with_ln2(logged):
    runner = _runner(_distinct_rows_bank())
    hook = TrainingDiagnosticsHook(probe_videos=2, interval=2)
    hook.before_train_epoch(runner)
    for cls in (0.8, 0.7):
        hook.after_train_iter(runner, 0, outputs=dict(loss_cls=torch.tensor(cls),
                                                      loss_spread=torch.tensor(cls - 0.6),
                                                      loss=torch.tensor(cls + 0.1)))
    hook.after_train_epoch(runner)          # epoch 1: interval 2, nothing logged
    assert logged == []
    runner.epoch = 1
    hook.after_train_epoch(runner)
    assert hook.last['losses'] == pytest.approx(dict(loss_cls=0.75, loss_spread=0.15,
                                                     loss=0.85))
    assert hook.last['cls_below_ln2'] is False
    assert logged[0][1].startswith('[diagnostics] epoch 2: L_cls 0.7500, L_spread 0.1500, '
                                   f'L_v 0.8500 (L_cls not below ln 2 = {math.log(2):.4f})')


def test_no_labels_or_centres_yet_logs_the_encoder_only(logged):
    runner = _runner(torch.zeros(0, N_E, N_C, T, dtype=torch.bool))
    runner.model.centers_ready.fill_(False)
    runner.model.labels_ready.fill_(False)
    stats = TrainingDiagnosticsHook(probe_videos=2).log_diagnostics(runner, 'start')
    assert 'distinct_rows' not in stats and 'centers' not in stats
    assert 'labels:' not in logged[0][1] and 'encoder cos' in logged[0][1]


def test_the_real_model_is_read_and_the_configs_run_the_hook_after_relabelling(
        tiny_cfg, restore_default_scope, logged):
    cfg = tiny_cfg()
    assert cfg.custom_hooks[-1] == dict(type='TrainingDiagnosticsHook')
    # after the relabel hook: the line shows the labels of the epoch just relabelled
    assert HOOKS.get('TrainingDiagnosticsHook') is TrainingDiagnosticsHook
    assert get_priority(TrainingDiagnosticsHook.priority) > get_priority(
        HOOKS.get('IterativeRelabelHook').priority)
    init_default_scope('dscnet_plugin')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.set_centers(torch.randn_like(model.centers))
    model.init_label_bank(V)
    model.pseudo_labels[:, :, :, :2] = True
    model.pseudo_labels[:, :, 0, 5] = True     # centre 0 differs from the others
    model.labels_ready.fill_(True)
    hook = TrainingDiagnosticsHook(probe_videos=3)
    runner = SimpleNamespace(model=model, train_dataloader=SimpleNamespace(dataset=_Dataset()),
                             hooks=[object(), hook])
    assert TrainingDiagnosticsHook.find(runner) is hook
    assert TrainingDiagnosticsHook.find(SimpleNamespace(hooks=[])) is None
    model.video_encoder = _Scale()  # the probe's features are D-dim
    stats = hook.log_diagnostics(runner, 'start')
    assert stats['distinct_rows'] == 2.0
    assert stats['encoder_cos'] == pytest.approx(stats['input_cos'])
    for key in ('centers', 'centred', 'projected', 'projected_centred'):
        assert stats[key]['mean'].shape == (model.num_necks,), key
    assert 'centre cos per neck raw ' in logged[0][1] and ', projected ' in logged[0][1]


def test_score_ratios_are_logged_after_a_test_epoch_and_consumed(logged, monkeypatch):
    """The adjacent-frame ratios the model kept while predicting are
    summarised once per test / val epoch (the model's list is emptied)."""
    monkeypatch.setattr(hook_module, 'is_main_process', lambda: True)
    runner = _runner(_distinct_rows_bank())
    kept = [torch.tensor([1.0, 0.95, 0.5]), torch.tensor([0.85, 0.1])]

    def pop():
        out = torch.cat(kept) if kept else None
        kept.clear()
        return out

    runner.model.pop_score_ratios = pop
    hook = TrainingDiagnosticsHook()
    hook.after_test_epoch(runner)
    assert len(logged) == 1
    assert logged[0][1].startswith('[diagnostics] test scores, adjacent-frame ratio (min/max) '
                                   'of 5 pairs: ')
    assert '>= 0.9: 40.0%, >= 0.8: 60.0%' in logged[0][1]
    assert hook.last_score_ratios['median'] == pytest.approx(0.85)
    hook.after_val_epoch(runner)                # nothing new was predicted: no line
    assert len(logged) == 1
