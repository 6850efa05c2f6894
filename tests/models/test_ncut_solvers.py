"""The N-cut's two solvers give the same cuts; 'auto' picks by device and T."""
import pytest
import torch

from dscnet_plugin.models.labellers import NCutLabeller, ncut_fiedler, ncut_fiedler_eigh, \
    pick_solver


def _graphs(seed=0, n=6, t=40):
    gen = torch.Generator().manual_seed(seed)
    frames = torch.randn(n, t, 16, generator=gen)
    frames[:, 10:25] += 2.0 * torch.randn(n, 1, 16, generator=gen)
    mask = torch.ones(n, t, dtype=torch.bool)
    mask[:2, 32:] = False
    return frames, mask


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_eigh_gives_the_exact_fiedler_vector(seed):
    frames, mask = _graphs(seed)
    labeller = NCutLabeller()
    w = labeller.affinity(frames, frames.new_zeros(len(frames), 1, frames.size(1)), mask)[:, 0]
    vec = ncut_fiedler_eigh(w, mask)
    assert not vec[~mask].any()
    # (D - W) y = lambda D y with y orthogonal to D 1, for every graph
    m = mask.float()
    w = w * m[:, :, None] * m[:, None, :]
    deg = w.sum(-1)
    lap = torch.diag_embed(deg) - w
    lam = (vec * (lap @ vec.unsqueeze(-1)).squeeze(-1)).sum(-1) / (deg * vec ** 2).sum(-1)
    residual = (lap @ vec.unsqueeze(-1)).squeeze(-1) - lam[:, None] * deg * vec
    assert float(residual.abs().max()) < 1e-4
    assert float((deg * vec).sum(-1).abs().max()) < 1e-4
    # well-separated graphs: both solvers cut alike
    power = ncut_fiedler(w, mask, 300, start=torch.randn(frames.size(1)))
    cos = torch.nn.functional.cosine_similarity(power, vec, dim=-1).abs()
    assert float(cos.max()) > 0.999


def test_both_solvers_label_alike_on_clear_graphs():
    frames, mask = _graphs(0)
    centers = torch.randn(1, 3, 16, generator=torch.Generator().manual_seed(0))
    for c in (None, centers):
        assert torch.equal(NCutLabeller(solver='power')(frames, c, mask),
                           NCutLabeller(solver='eigh')(frames, c, mask))


def test_auto_picks_by_device_and_size():
    cpu, gpu = torch.device('cpu'), torch.device('cuda')
    assert pick_solver('auto', cpu, 128) == 'eigh'
    assert pick_solver('auto', cpu, 64) == 'power' and pick_solver('auto', cpu, 512) == 'power'
    assert pick_solver('auto', gpu, 128) == 'power'
    assert pick_solver('eigh', gpu, 64) == 'eigh'
    with pytest.raises(ValueError, match='solver'):
        NCutLabeller(solver='lanczos')
