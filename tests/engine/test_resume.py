"""An interrupted and resumed run ends where the uninterrupted one does:
the checkpoints carry the language module, the centres and the label bank;
they load with ``torch.load(weights_only=True)``."""
from pathlib import Path

import pytest
import torch

from dscnet_plugin.engine import PriorComparisonHook

from .tiny_config import (TINY_CLUSTERS, TINY_EPOCHS, TINY_FRAMES, TINY_NECK_DIM,
                          TINY_NECKS, Probe, StopTraining, make_tiny_cfg, walk_dicts)

STOP_AFTER = 2
MODEL_STATE = ('pseudo_labels', 'centers', 'centers_ready', 'labels_ready')


def _state(runner):
    return {k: v.detach().cpu().clone()
            for k, v in Probe.model(runner).state_dict().items()}


def _assert_same_state(a, b, atol=1e-6):
    assert a.keys() == b.keys()
    for k in a:
        if a[k].dtype.is_floating_point:
            torch.testing.assert_close(a[k], b[k], rtol=0, atol=atol, msg=k)
        else:
            assert torch.equal(a[k], b[k]), k


def _assert_same_metrics(a, b):
    assert a.keys() == b.keys() and a
    for k in a:
        if isinstance(a[k], float):
            assert a[k] == pytest.approx(b[k], abs=1e-6), k
        else:
            assert a[k] == b[k], k


def _prior_table(runner):
    hook = [h for h in runner.hooks if isinstance(h, PriorComparisonHook)]
    return hook[0].last_table


@pytest.fixture
def full_run(tiny_cfg, build_runner):
    """The uninterrupted run: ``(runner, probe)``."""
    probe = Probe()
    runner = build_runner(tiny_cfg('full'), probe)
    runner.train()
    assert probe.epochs_run == list(range(TINY_EPOCHS))
    assert len(probe.val_metrics) == 1
    return runner, probe


@pytest.mark.parametrize('how', ['auto', 'path'])
def test_resume_equals_the_uninterrupted_run(full_run, tiny_cfg, build_runner,
                                             log_text, how):
    full, full_probe = full_run
    # ---- the run that dies after epoch 2 (its checkpoint saved)
    cfg = tiny_cfg('interrupted')
    stop = Probe(stop_after_epoch=STOP_AFTER)
    first = build_runner(cfg, stop)
    with pytest.raises(StopTraining):
        first.train()
    work_dir = Path(cfg.work_dir)
    ckpt = work_dir / f'epoch_{STOP_AFTER}.pth'
    assert ckpt.is_file() and not (work_dir / f'epoch_{STOP_AFTER + 1}.pth').exists()
    assert stop.epochs_run == list(range(STOP_AFTER))
    saved = torch.load(ckpt, map_location='cpu', weights_only=True)
    assert saved['meta']['epoch'] == STOP_AFTER
    # the checkpoint was written after the stage's relabelling
    assert torch.equal(saved['state_dict']['pseudo_labels'], stop.banks[-1])
    # so far the runs agree
    assert torch.equal(stop.banks[-1], full_probe.banks[STOP_AFTER - 1])

    # ---- resume and finish
    cfg = tiny_cfg('interrupted')
    cfg.resume = True
    cfg.load_from = None if how == 'auto' else str(ckpt)
    probe = Probe()
    second = build_runner(cfg, probe)
    second.train()
    assert probe.epochs_run == list(range(STOP_AFTER, TINY_EPOCHS))
    assert second.train_loop.max_epochs == TINY_EPOCHS
    # the language stage and the initial labelling were skipped: the
    # checkpoint's centres, language module and bank were used
    text = log_text(second)
    assert '[language] centres found in the checkpoint; language stage skipped' in text
    assert '[language] epoch' not in text and '[cluster]' not in text
    assert '[relabel] initial labels' not in text
    model = probe.model(second)
    assert torch.equal(model.centers, saved['state_dict']['centers'])
    for k, v in saved['state_dict'].items():
        if k.startswith('text_encoder.'):
            assert torch.equal(model.state_dict()[k], v), k
    assert torch.equal(probe.initial_bank, saved['state_dict']['pseudo_labels'])
    # the resumed epochs trained on the same labels as the full run's
    for e in range(STOP_AFTER, TINY_EPOCHS):
        assert probe.active_necks[e - STOP_AFTER] == full_probe.active_necks[e]
        assert torch.equal(probe.banks[e - STOP_AFTER], full_probe.banks[e]), e
    # ---- the same final model and metrics as the uninterrupted run
    _assert_same_state(_state(second), _state(full))
    assert len(probe.val_metrics) == 1
    _assert_same_metrics(probe.val_metrics[-1], full_probe.val_metrics[-1])
    assert list(_prior_table(second)) == list(_prior_table(full))
    for row, values in _prior_table(full).items():
        _assert_same_metrics(_prior_table(second)[row], values)


def test_checkpoints_hold_the_model_state_and_load_weights_only(full_run):
    full, full_probe = full_run
    work_dir = Path(full.work_dir)
    paths = sorted(work_dir.glob('epoch_*.pth'))
    assert [p.name for p in paths] == [f'epoch_{e + 1}.pth' for e in range(TINY_EPOCHS)]
    num_videos = len(full.train_dataloader.dataset)
    for e, path in enumerate(paths):
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
        assert {'meta', 'state_dict', 'optimizer', 'message_hub'} <= set(ckpt)
        assert ckpt['meta']['epoch'] == e + 1
        state = ckpt['state_dict']
        assert set(MODEL_STATE) <= set(state)
        assert state['pseudo_labels'].dtype == torch.bool
        assert state['pseudo_labels'].shape == (num_videos, TINY_NECKS, TINY_CLUSTERS,
                                                TINY_FRAMES)
        assert torch.equal(state['pseudo_labels'], full_probe.banks[e])
        assert state['centers'].shape == (TINY_NECKS, TINY_CLUSTERS, TINY_NECK_DIM)
        assert bool(state['centers_ready']) and bool(state['labels_ready'])
    # the last checkpoint is the final model
    _assert_same_state(torch.load(paths[-1], weights_only=True)['state_dict'], _state(full),
                       atol=0)


def test_load_from_a_checkpoint_skips_the_language_stage(full_run, tiny_cfg, build_runner,
                                                          log_text):
    """``load_from`` without ``resume``: training starts at epoch 0 from the
    checkpoint's language module, centres and labels."""
    full, _ = full_run
    last = Path(full.work_dir) / f'epoch_{TINY_EPOCHS}.pth'
    saved = torch.load(last, weights_only=True)['state_dict']
    cfg = tiny_cfg('finetune')
    cfg.load_from = str(last)
    probe = Probe()
    runner = build_runner(cfg, probe)
    runner.train()
    assert probe.epochs_run == list(range(TINY_EPOCHS))
    text = log_text(runner)
    assert '[language] centres found in the checkpoint' in text
    assert '[relabel] initial labels' not in text
    assert torch.equal(probe.initial_bank, saved['pseudo_labels'])
    assert torch.equal(probe.model(runner).centers, saved['centers'])


def test_load_from_another_training_set_relabels(full_run, tmp_path, build_runner, log_text):
    full, _ = full_run
    cfg = make_tiny_cfg(tmp_path / 'other_data', tmp_path / 'other')
    for d in walk_dicts(cfg._cfg_dict):
        if d.get('type') == 'SyntheticGroundingGenerator':
            d['num_train_videos'] = 12
    cfg.load_from = str(Path(full.work_dir) / f'epoch_{TINY_EPOCHS}.pth')
    probe = Probe()
    runner = build_runner(cfg, probe)
    num_videos = len(runner.train_dataloader.dataset)
    assert num_videos != len(full.train_dataloader.dataset)
    try:
        runner.train()
    except (ValueError, RuntimeError) as e:  # a clear refusal is fine too
        assert 'video' in str(e)
        return
    assert probe.initial_bank.size(0) == num_videos
    assert '[relabel] initial labels' in log_text(runner)
