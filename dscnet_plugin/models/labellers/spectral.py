"""Batched spectral bipartition (normalised cut) by power iteration."""
from typing import Optional, Tuple

import torch


def ncut_fiedler(affinity: torch.Tensor, mask: torch.Tensor, num_iters: int = 100,
                 generator: Optional[torch.Generator] = None,
                 start: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Second generalised eigenvector of ``(D - W) y = lambda D y`` (Shi &
    Malik) for a batch of graphs.

    It equals ``D^-1/2 v`` where ``v`` is the eigenvector of the second
    largest eigenvalue of ``M = D^-1/2 W D^-1/2``. The largest one is known
    (``v_1 = D^1/2 1``, eigenvalue 1), so ``v`` is found by power iteration
    on ``M`` with ``v_1`` projected out at every step: one batched
    matrix-vector product per step instead of a full eigendecomposition.
    For a positive semi-definite kernel (a Gaussian one) the spectrum of
    ``M`` lies in [0, 1], so the iteration converges to ``v`` at the rate
    ``lambda_3 / lambda_2``.

    Args:
        affinity: ``G x T x T`` symmetric non-negative affinities ``W``.
        mask: ``G x T`` bool mask of real nodes (others are left out).
        num_iters: Power iterations.
        generator: Random generator of the start vector (CPU), which is
            the same for every graph of the batch.
        start: ``(T,)`` start vector to use instead of drawing one.

    Returns:
        ``G x T`` Fiedler vectors (zero on masked nodes); the sign of an
        entry gives the node's side of the cut.
    """
    m = mask.to(affinity.dtype)
    w = affinity * m.unsqueeze(1) * m.unsqueeze(2)
    deg = w.sum(-1)
    inv_sqrt = torch.where(deg > 0, deg.clamp(min=1e-12).rsqrt(), torch.zeros_like(deg))
    norm = w * inv_sqrt.unsqueeze(1) * inv_sqrt.unsqueeze(2)
    v1 = deg.clamp(min=0).sqrt()
    v1 = v1 / v1.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    # one start vector shared by every graph: a graph's cut then does not
    # depend on which other graphs share its batch (or which rank labels it)
    if start is None:
        start = torch.randn(affinity.size(1), generator=generator, dtype=affinity.dtype)
    x = start.to(affinity).expand_as(m) * m
    for _ in range(num_iters):
        x = x - v1 * (v1 * x).sum(-1, keepdim=True)
        x = (norm @ x.unsqueeze(-1)).squeeze(-1)
        x = x / x.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    x = x - v1 * (v1 * x).sum(-1, keepdim=True)
    return x * inv_sqrt


#: Solvers of the Fiedler vector.
SOLVERS = ('power', 'eigh', 'auto')


def ncut_fiedler_eigh(affinity: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The same vectors as :func:`ncut_fiedler` from a batched dense
    eigendecomposition (``torch.linalg.eigh``) of ``M = D^-1/2 W D^-1/2``:
    exact, and on a CPU faster than the power iteration for short graphs
    (``docs/benchmarks.md``, "Speed"). The sign of each vector is arbitrary,
    as the power iteration's is; the labellers pick the side by content.

    Args:
        affinity: ``G x T x T`` symmetric non-negative affinities ``W``.
        mask: ``G x T`` bool mask of real nodes.

    Returns:
        ``G x T`` Fiedler vectors (zero on masked nodes).
    """
    m = mask.to(affinity.dtype)
    w = affinity * m.unsqueeze(1) * m.unsqueeze(2)
    deg = w.sum(-1)
    inv_sqrt = torch.where(deg > 0, deg.clamp(min=1e-12).rsqrt(), torch.zeros_like(deg))
    norm = w * inv_sqrt.unsqueeze(1) * inv_sqrt.unsqueeze(2)
    vectors = torch.linalg.eigh(norm)[1]          # eigenvalues ascending: 1 is the last
    return vectors[..., -2] * inv_sqrt * m


def pick_solver(solver: str, device: torch.device, num_frames: int,
                eigh_frames: Tuple[int, int] = (96, 256)) -> str:
    """``'power'`` or ``'eigh'`` for ``solver``. ``'auto'`` takes the dense
    ``eigh`` on a CPU for graphs of ``eigh_frames[0]`` to ``eigh_frames[1]``
    nodes, where it was measured faster (1.25x at T = 96, 1.59x at 128, 1.23x
    at 256; slower at 32, 64 and 512, 2 threads), and the power iteration
    elsewhere: on a GPU batched ``eigh`` was two orders of magnitude slower
    (``docs/benchmarks.md``, "Speed"). The cuts agreed on every graph
    measured."""
    if solver not in SOLVERS:
        raise ValueError(f'solver must be one of {SOLVERS}, got {solver!r}')
    if solver != 'auto':
        return solver
    low, high = eigh_frames
    return 'eigh' if device.type == 'cpu' and low <= num_frames <= high else 'power'
