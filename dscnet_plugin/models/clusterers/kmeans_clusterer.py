"""Batched K-means over the necks of all training queries."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F

from ...registry import NECK_CLUSTERERS

CENTER_MODES = ('center', 'sample', 'random')


def batched_kmeans(x: torch.Tensor, k: int, max_iter: int = 50,
                   generator: Optional[torch.Generator] = None,
                   spherical: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
    """K-means (k-means++ seeding, Lloyd iterations) for G point sets at once.

    Args:
        x: ``G x M x d`` points (one set per neck index).
        k: Clusters per set.
        max_iter: Lloyd iterations at most.
        generator: CPU random generator of the seeding.
        spherical: Cluster directions (cosine) instead of points.

    Returns:
        ``(G x k x d centres, G x M assignments)``.
    """
    g, m, _ = x.shape
    if m < k:
        raise ValueError(f'{m} points cannot make {k} clusters')
    if spherical:
        x = F.normalize(x, dim=-1)
    rows = torch.arange(g, device=x.device)
    first = torch.randint(m, (g,), generator=generator).to(x.device)
    centers = [x[rows, first]]
    dist = torch.cdist(x, centers[0].unsqueeze(1)).squeeze(2) ** 2   # G x M
    for _ in range(1, k):
        probs = (dist / dist.sum(1, keepdim=True).clamp(min=1e-12)).cpu()
        nxt = torch.multinomial(probs + 1e-12, 1, generator=generator).squeeze(1).to(x.device)
        centers.append(x[rows, nxt])
        dist = torch.minimum(dist, torch.cdist(x, centers[-1].unsqueeze(1)).squeeze(2) ** 2)
    centers = torch.stack(centers, 1)                                   # G x k x d
    assign = None
    for _ in range(max_iter):
        new_assign = torch.cdist(x, centers).argmin(-1)                  # G x M
        if assign is not None and torch.equal(new_assign, assign):
            break
        assign = new_assign
        onehot = F.one_hot(assign, k).to(x.dtype)                        # G x M x k
        counts = onehot.sum(1)                                           # G x k
        sums = onehot.transpose(1, 2) @ x                                # G x k x d
        updated = sums / counts.clamp(min=1).unsqueeze(-1)
        centers = torch.where(counts.unsqueeze(-1) > 0, updated, centers)  # keep empty ones
        if spherical:
            centers = F.normalize(centers, dim=-1)
    return centers, assign


@NECK_CLUSTERERS.register_module()
class KMeansNeckClusterer:
    """Clusters, for each neck index ``i``, the ``i``-th necks of all
    training queries into ``N_c`` centres ``C^i``.

    Centre selection (paper Table 3): ``'center'`` the cluster means,
    ``'sample'`` a random member of each cluster, ``'random'`` random
    queries' necks without clustering.

    Args:
        num_clusters: ``N_c`` (paper: 16).
        center_mode: ``'center'``, ``'sample'`` or ``'random'``.
        max_iter: Lloyd iterations at most.
        seed: Seed of the seeding and sampling.
        restarts: Seedings of :meth:`assign` (the partition of lowest
            inertia is kept).
    """

    spherical = False

    def __init__(self, num_clusters: int = 16, center_mode: str = 'center',
                 max_iter: int = 50, seed: int = 0, restarts: int = 1) -> None:
        if center_mode not in CENTER_MODES:
            raise ValueError(f'center_mode must be one of {CENTER_MODES}, got {center_mode!r}')
        self.num_clusters = num_clusters
        self.center_mode = center_mode
        self.max_iter = max_iter
        self.seed = seed
        self.restarts = restarts

    def assign(self, points: torch.Tensor) -> torch.Tensor:
        """``(M,)`` cluster of each of ``M x d`` points (one partition for
        all necks, e.g. of the queries' word vectors): K-means from
        ``restarts`` seedings, the partition of lowest inertia."""
        gen = torch.Generator().manual_seed(self.seed)
        x = F.normalize(points, dim=-1) if self.spherical else points
        best, best_inertia = None, float('inf')
        for _ in range(max(self.restarts, 1)):
            centers, assign = batched_kmeans(x.unsqueeze(0), self.num_clusters, self.max_iter,
                                             gen, self.spherical)
            inertia = float(((x - centers[0, assign[0]]) ** 2).sum())
            if inertia < best_inertia:
                best, best_inertia = assign[0], inertia
        return best

    def __call__(self, necks: torch.Tensor) -> torch.Tensor:
        """
        Args:
            necks: ``M x N_e x d_e`` necks of the M training queries.

        Returns:
            ``N_e x N_c x d_e`` centres.
        """
        gen = torch.Generator().manual_seed(self.seed)
        x = necks.transpose(0, 1).contiguous()                           # N_e x M x d
        g, m, _ = x.shape
        if m < self.num_clusters:
            raise ValueError(f'{m} queries cannot make {self.num_clusters} centres')
        if self.center_mode == 'random':
            pick = torch.stack([torch.randperm(m, generator=gen)[:self.num_clusters]
                                for _ in range(g)]).to(x.device)
            return x.gather(1, pick.unsqueeze(-1).expand(-1, -1, x.size(2)))
        centers, assign = batched_kmeans(x, self.num_clusters, self.max_iter, gen,
                                         self.spherical)
        if self.center_mode == 'center':
            return centers
        # 'sample': one random member per cluster (an empty cluster keeps its mean)
        noise = torch.rand(assign.shape, generator=gen).to(x.device)
        member = F.one_hot(assign, self.num_clusters).bool()               # G x M x k
        choice = torch.where(member, noise.unsqueeze(-1), -1.0).argmax(1)  # G x k
        picked = x.gather(1, choice.unsqueeze(-1).expand(-1, -1, x.size(2)))
        return torch.where(member.any(1).unsqueeze(-1), picked, centers)


@NECK_CLUSTERERS.register_module()
class SphericalKMeansNeckClusterer(KMeansNeckClusterer):
    """K-means on the unit sphere (cosine geometry): necks are L2-normalised
    and so are the centres. Same arguments as :class:`KMeansNeckClusterer`."""

    spherical = True
