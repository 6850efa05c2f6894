"""``relabel_speed``: every number of the script, on tiny random inputs."""
import torch

from dscnet_plugin.benchmark.relabel_speed import (dense_reference, labeller_speed,
                                                   video_epoch_speed)

CPU = torch.device('cpu')


def _inputs(n: int = 8, t: int = 16, n_c: int = 4, d: int = 8):
    g = torch.Generator().manual_seed(0)
    frames = torch.randn(n, t, d, generator=g)
    frames[:, 5:11] += 3 * torch.randn(n, 1, d, generator=g)  # an "activity"
    return frames, torch.randn(1, n_c, d, generator=g), torch.ones(n, t, dtype=torch.bool)


def test_labeller_speed_compares_the_solvers():
    out = labeller_speed(*_inputs())
    assert out['relabel_one_neck_s'] > 0 and out['relabel_one_neck_eigh_s'] > 0
    assert out['relabel_4_necks_s'] == 4 * out['relabel_one_neck_s']
    assert 0.5 <= out['solver_label_agreement'] <= 1.0  # the same cut up to a few frames
    assert out['auto_solver'] in ('power', 'eigh')


def test_dense_reference_counts_the_graphs_and_extrapolates():
    frames, centers, mask = _inputs()
    out = dense_reference(frames, centers, mask, total_graphs=320)
    assert out['graphs_compared'] == 8 * 4
    assert 0.5 <= out['cut_agreement'] <= 1.0
    assert out['eigh_extrapolated_all_graphs_s'] == out['eigh_s'] * 320 / 32
    assert out['eigh_over_power'] == out['eigh_s'] / out['power_s']


def test_video_epoch_speed_per_batch_size():
    out = video_epoch_speed(4, 8, 2, CPU, (2, 4), feature_dim=16)
    assert set(out) == {'video_epoch_bs2_s', 'video_epoch_bs4_s'}
    assert all(v > 0 for v in out.values())
