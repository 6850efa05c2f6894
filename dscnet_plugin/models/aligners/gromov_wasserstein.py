"""Entropic Gromov-Wasserstein transport between two point sets."""
from typing import List, Optional, Sequence, Tuple

import torch


def sinkhorn(p: torch.Tensor, q: torch.Tensor, cost: torch.Tensor, eps: float,
             iters: int = 100) -> torch.Tensor:
    """``M x N`` coupling with marginals ``p`` (``M``) and ``q`` (``N``) that
    minimises ``<cost, T> - eps H(T)`` (Sinkhorn's scaling iterations; the
    cost is shifted by its minimum, which leaves the coupling unchanged)."""
    kernel = torch.exp(-(cost - cost.min()) / eps)
    u = torch.ones_like(p)
    for _ in range(iters):
        v = q / (kernel.T @ u).clamp(min=1e-300)
        u = p / (kernel @ v).clamp(min=1e-300)
    return u[:, None] * kernel * v[None]


def gw_gradient(c1: torch.Tensor, c2: torch.Tensor, const: torch.Tensor,
                coupling: torch.Tensor) -> torch.Tensor:
    """``M x N`` linearisation of the square-loss GW objective at
    ``coupling``: ``sum_kl (c1_ik - c2_jl)^2 T_kl``."""
    return const - 2 * c1 @ coupling @ c2.T


def gromov_wasserstein(c1: torch.Tensor, c2: torch.Tensor, p: torch.Tensor, q: torch.Tensor,
                       start: torch.Tensor,
                       eps_schedule: Sequence[float] = (5e-2, 2e-2, 1e-2, 5e-3),
                       outer: int = 10, sinkhorn_iters: int = 100
                       ) -> Tuple[torch.Tensor, float]:
    """A coupling ``T`` of two metric-measure spaces that (locally)
    minimises ``sum_ijkl (c1_ik - c2_jl)^2 T_ij T_kl`` (Peyre, Cuturi and
    Solomon, ICML 2016: projected mirror descent, each step an entropic
    transport of the linearised cost), with the entropy weight lowered
    along ``eps_schedule`` (relative to the linearised cost's range) so the
    coupling first settles coarsely, then sharpens.

    Args:
        c1: ``M x M`` distances of the first set.
        c2: ``N x N`` distances of the second set.
        p: ``(M,)`` masses of the first set (sum 1).
        q: ``(N,)`` masses of the second set (sum 1).
        start: ``M x N`` initial coupling.
        eps_schedule: Entropy weights, in turn.
        outer: Steps per weight.
        sinkhorn_iters: Sinkhorn iterations per step.

    Returns:
        ``(M x N coupling, objective)``.
    """
    const = (c1 ** 2) @ p[:, None] + ((c2 ** 2) @ q[:, None]).T
    coupling = start
    for eps in eps_schedule:
        for _ in range(outer):
            grad = gw_gradient(c1, c2, const, coupling)
            scale = float((grad.max() - grad.min()).clamp(min=1e-12))
            coupling = sinkhorn(p, q, grad, eps * scale, sinkhorn_iters)
    objective = float((gw_gradient(c1, c2, const, coupling) * coupling).sum())
    return coupling, objective


def local_optima(c1: torch.Tensor, c2: torch.Tensor, restarts: int = 8,
                 generator: Optional[torch.Generator] = None, with_product: bool = True,
                 **kwargs) -> List[Tuple[torch.Tensor, float]]:
    """``(M x N coupling, objective)`` that :func:`gromov_wasserstein` reaches,
    with uniform masses, from the product coupling (unless ``with_product``
    is False) and from each of ``restarts`` random ones, in that order."""
    m, n = c1.size(0), c2.size(0)
    p = c1.new_full((m,), 1.0 / m)
    q = c1.new_full((n,), 1.0 / n)
    starts = [p[:, None] * q[None]] if with_product else []
    for _ in range(restarts):
        noise = torch.rand(m, n, generator=generator, dtype=c1.dtype).to(c1.device)
        starts.append(sinkhorn(p, q, noise, 0.05))
    if not starts:
        raise ValueError('no start for Gromov-Wasserstein: restarts=0 and with_product=False')
    return [gromov_wasserstein(c1, c2, p, q, start, **kwargs) for start in starts]


def best_gromov_wasserstein(c1: torch.Tensor, c2: torch.Tensor, restarts: int = 8,
                            generator: Optional[torch.Generator] = None,
                            with_product: bool = True, **kwargs
                            ) -> Tuple[torch.Tensor, float]:
    """The coupling of the lowest objective among :func:`local_optima` (GW
    is not convex: a start can end in a poor local optimum).

    Returns:
        ``(M x N coupling, objective)`` in ``c1``'s dtype.
    """
    optima = local_optima(c1, c2, restarts, generator, with_product, **kwargs)
    return min(optima, key=lambda optimum: optimum[1])


def centred_cosine_distances(points: torch.Tensor) -> torch.Tensor:
    """``M x M`` cosine distances of ``M x d`` points after removing their
    mean."""
    x = torch.nn.functional.normalize(points - points.mean(0, keepdim=True), dim=-1, eps=1e-8)
    return 1 - x @ x.T
