"""``ResidentValLoop``: the validations after the first read no file and
give the streaming path's metrics, and training is not disturbed."""
import pytest
import torch
from mmengine.hooks import Hook

from dscnet_plugin.engine.loops import ResidentBatches, ResidentValLoop
from dscnet_plugin.utils import SetupError

from .test_resident_train_loop import CountingPipeline


class ValRecorder(Hook):
    """Keeps the metrics of every validation."""

    def __init__(self) -> None:
        self.metrics = []

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.metrics.append(dict(metrics or {}))


def _train_validating_every_epoch(tiny_cfg, build_runner, name: str, **val_cfg):
    cfg = tiny_cfg(name)
    cfg.train_cfg.update(val_interval=1)
    cfg.val_cfg = dict(type='ResidentValLoop', **val_cfg)
    recorder = ValRecorder()
    runner = build_runner(cfg, recorder)
    dataset = runner.val_dataloader.dataset
    counter = CountingPipeline(dataset.pipeline)
    dataset.pipeline = counter
    runner.train()
    metrics = runner.test()
    model = runner.model
    state = {k: v.clone() for k, v in model.state_dict().items()}
    return runner, recorder.metrics, metrics, state, counter.calls, len(dataset)


def test_resident_and_streaming_validation_agree(tiny_cfg, build_runner, log_text):
    s_runner, s_vals, s_test, s_state, s_reads, n = _train_validating_every_epoch(
        tiny_cfg, build_runner, 'val_streaming', features='streaming')
    r_runner, r_vals, r_test, r_state, r_reads, _ = _train_validating_every_epoch(
        tiny_cfg, build_runner, 'val_resident', features='auto')
    assert isinstance(r_runner.val_loop, ResidentValLoop)
    loader = r_runner.val_loop.dataloader
    assert isinstance(loader, ResidentBatches) and len(loader.batches) == len(loader)
    assert not isinstance(s_runner.val_loop.dataloader, ResidentBatches)
    validations = len(s_vals)
    assert validations >= 2 and len(r_vals) == validations
    assert r_vals == s_vals and any('R1@0.5' in k for k in r_vals[0])
    # validation in the middle of training leaves the random stream alone:
    # the same weights and the same test metrics
    for k in s_state:
        assert torch.equal(s_state[k], r_state[k]), k
    assert r_test == s_test
    # every later validation (and its other-video control, which reads the
    # same items) costs the streaming path n more pipeline calls each
    assert s_reads - r_reads == (validations - 1) * n - 1  # - the size probe
    assert 'validation batches kept on cpu' in log_text(r_runner)
    assert 'val_cfg.features=streaming' in log_text(s_runner)


def test_validation_streams_when_its_batches_do_not_fit(tiny_cfg, build_runner, log_text):
    cfg = tiny_cfg('val_tight')
    cfg.val_cfg = dict(type='ResidentValLoop', cpu_limit_gb=1e-9)
    runner = build_runner(cfg)
    runner.train()
    assert not isinstance(runner.val_loop.dataloader, ResidentBatches)
    assert 'validation streams: its batches do not fit' in log_text(runner)


def test_bad_mode_is_a_setup_error(tiny_cfg, build_runner):
    cfg = tiny_cfg('val_bad')
    cfg.val_cfg = dict(type='ResidentValLoop', features='cached')
    runner = build_runner(cfg)
    with pytest.raises(SetupError, match="val_cfg.features must be one of"):
        runner.val_loop
