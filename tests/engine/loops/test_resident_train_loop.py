"""``ResidentEpochBasedTrainLoop``: device-resident and streaming training
give the same labels, model and metrics; the choice follows the memory."""
import pytest
import torch

from dscnet_plugin.engine import ResidentEpochBasedTrainLoop
from dscnet_plugin.engine.loops import ResidentFeatures
from dscnet_plugin.structures import GroundingDataSample

from ..tiny_config import TINY_EPOCHS, Probe


class CountingPipeline:
    """Wraps a dataset pipeline and counts the items it makes."""

    def __init__(self, pipeline) -> None:
        self.pipeline, self.calls = pipeline, 0

    def __call__(self, results):
        self.calls += 1
        return self.pipeline(results)


def _train_and_test(tiny_cfg, build_runner, name: str, **loop):
    cfg = tiny_cfg(name)
    cfg.train_cfg.update(loop)
    probe = Probe()
    runner = build_runner(cfg, probe)
    dataset = runner.train_dataloader.dataset
    counter = CountingPipeline(dataset.pipeline)
    dataset.pipeline = counter
    runner.train()
    metrics = runner.test()
    state = {k: v.clone() for k, v in probe.model(runner).state_dict().items()}
    return runner, probe, metrics, state, counter.calls


def test_resident_and_streaming_train_the_same_model(tiny_cfg, build_runner, log_text):
    s_runner, s_probe, s_metrics, s_state, s_reads = _train_and_test(
        tiny_cfg, build_runner, 'streaming', features='streaming')
    r_runner, r_probe, r_metrics, r_state, r_reads = _train_and_test(
        tiny_cfg, build_runner, 'resident', features='auto')
    assert isinstance(r_runner.train_loop, ResidentEpochBasedTrainLoop)
    assert s_runner.train_loop.resident is None
    resident = r_runner.train_loop.resident
    n = len(r_runner.train_dataloader.dataset)
    assert resident is not None and len(resident) == n
    # the same pseudo labels at the start and after every relabelling
    assert torch.equal(s_probe.initial_bank, r_probe.initial_bank)
    assert len(r_probe.banks) == len(s_probe.banks) == TINY_EPOCHS
    for a, b in zip(s_probe.banks, r_probe.banks):
        assert torch.equal(a, b)
    # the same batches, in the same order, with the same labels
    for a, b in zip(s_probe.used, r_probe.used):
        assert list(a) == list(b)
        assert all(torch.equal(a[i], b[i]) for i in a)
    # the same weights and the same test metrics
    assert s_state.keys() == r_state.keys()
    for k in s_state:
        assert torch.equal(s_state[k], r_state[k]), k
    assert s_metrics == r_metrics and any('R1@0.5' in k for k in s_metrics)
    # the resident path read every training video once (plus the size probe;
    # relabelling and diagnostics draw from it); streaming reads them every
    # epoch and for every relabelling
    assert r_reads == n + 1
    assert s_reads >= n * TINY_EPOCHS
    assert '[resident] ' in log_text(r_runner) and 'training features on cpu' in log_text(r_runner)
    assert '[resident] features=streaming' in log_text(s_runner)


def test_auto_streams_when_the_features_do_not_fit(tiny_cfg, build_runner, log_text):
    cfg = tiny_cfg('tight')
    cfg.train_cfg.update(features='auto', cpu_limit_gb=1e-9)
    runner = build_runner(cfg)
    runner.train()
    assert runner.train_loop.resident is None
    assert 'streaming: the training features do not fit' in log_text(runner)


def test_resident_mode_refuses_features_that_do_not_fit(tiny_cfg, build_runner):
    cfg = tiny_cfg('refused')
    cfg.train_cfg.update(features='resident', cpu_limit_gb=1e-9)
    runner = build_runner(cfg)
    with pytest.raises(RuntimeError, match='do not fit'):
        runner.train()


@pytest.mark.parametrize('field, value', [('features', 'gpu'), ('dtype', 'int8')])
def test_bad_fields_are_errors(tiny_cfg, build_runner, field, value):
    cfg = tiny_cfg('bad')
    cfg.train_cfg[field] = value
    runner = build_runner(cfg)
    with pytest.raises(ValueError, match=field):
        runner.train_loop


def _samples(n: int):
    return [GroundingDataSample(metainfo=dict(video_index=i)) for i in range(n)]


def test_gather_returns_float32_rows_of_the_stored_dtype():
    feats = torch.randn(5, 4, 3)
    mask = torch.tensor([[1, 1, 0, 0]] * 5).bool()
    bank = ResidentFeatures(feats.bfloat16(), mask, _samples(5))
    out = bank.gather([3, 1])
    assert out['video_feature'].dtype == torch.float32
    assert torch.equal(out['video_feature'], feats[[3, 1]].bfloat16().float())
    assert torch.equal(out['video_index'], torch.tensor([3, 1]))
    batch = bank.batch([4, 0])
    assert [s.metainfo['video_index'] for s in batch['data_samples']] == [4, 0]
    assert set(batch['inputs']) == {'video_feature', 'video_mask'}
    assert bank.nbytes == 5 * 4 * 3 * 2 + 5 * 4


def test_items_out_of_video_index_order_are_refused():
    samples = _samples(3)[::-1]
    with pytest.raises(ValueError, match='video_index'):
        ResidentFeatures(torch.zeros(3, 2, 1), torch.ones(3, 2).bool(), samples)


def test_setup_errors_end_the_tools_without_a_traceback(tiny_cfg, build_runner):
    """Both refusals are ``SetupError``s, which ``tools/train.py`` prints as
    one ``error:`` line."""
    from dscnet_plugin.utils import SetupError
    cfg = tiny_cfg('setup')
    cfg.train_cfg.update(features='resident', cpu_limit_gb=1e-9)
    with pytest.raises(SetupError, match='train_cfg.features=resident'):
        build_runner(cfg).train()
    cfg = tiny_cfg('setup_dtype')
    cfg.train_cfg['dtype'] = 'int8'
    with pytest.raises(SetupError, match='train_cfg.dtype'):
        build_runner(cfg).train_loop
