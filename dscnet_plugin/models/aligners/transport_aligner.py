"""Links the text groups to the visual side by optimal transport of the
queries onto the activity moments (no video-sentence pair)."""

from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.logging import print_log

from ...registry import CROSS_MODAL_ALIGNERS
from .gromov_wasserstein import (best_gromov_wasserstein, centred_cosine_distances,
                                 local_optima)


@CROSS_MODAL_ALIGNERS.register_module()
class TransportAligner:
    """Gives each text centre a visual prototype from a Gromov-Wasserstein
    coupling of the training *queries* with the training *moments*.

    Every training moment is described by one query, so the two sets are
    two samples of one distribution of events: the share of queries about
    an action is the share of moments that show it. The coupling moves
    each query's unit mass onto the moments so that queries alike (cosine
    of their word vectors) go to moments alike (cosine of their mean
    activity descriptors); frequency needs no clusters, so it survives
    K-means splitting a frequent action or merging rare ones, which one-to-one
    cluster matching (:class:`ClusterMatchingAligner`) does not. A centre's
    prototype is the coupling-weighted mean of the moments its queries are
    sent to.

    Args:
        max_points: At most this many queries and moments (evenly spaced
            samples) enter the coupling, which costs ``O(M^2 N)`` per step.
        restarts: Random starts besides the product coupling; the lowest
            objective is kept.
        eps_schedule: Entropy weights of the annealing (relative to the
            linearised cost's range).
        outer: Mirror-descent steps per weight.
        sinkhorn_iters: Sinkhorn iterations per step.
        seed: Seed of the random starts.
        check_restarts: When given, the coupling is solved a second time
            from this many other random starts (seed ``seed + 1``, no product
            start) and :attr:`agreement` says whether the two solves send
            the queries to the same moments (``docs/method.md`` reading 29).

    Attributes:
        agreement: After a call with ``check_restarts``: the mean cosine,
            over the coupled queries, of each query's visual target (its
            row of ``T @ centred moments``) under the two couplings. Near 1
            when the two geometries pin one coupling down; near 0 when
            couplings that send the queries elsewhere fit as well, i.e. the
            text and the video share no structure the coupling can read
            (only cluster sizes). None before a call or without the check.
    """

    #: what :meth:`DSCNet.alignment_descriptors` hands over: one row per
    #: activity run (``ActivitySplitLabeller.moment_descriptors``)
    descriptors = 'moments'

    def __init__(self, max_points: int = 1000, restarts: int = 8,
                 eps_schedule=(5e-2, 2e-2, 1e-2, 5e-3), outer: int = 10,
                 sinkhorn_iters: int = 100, seed: int = 0,
                 check_restarts: Optional[int] = None) -> None:
        if check_restarts is not None and check_restarts < 1:
            raise ValueError(f'check_restarts must be a positive number of starts or None, '
                             f'got {check_restarts}')
        self.max_points = max_points
        self.restarts = restarts
        self.eps_schedule = tuple(eps_schedule)
        self.outer = outer
        self.sinkhorn_iters = sinkhorn_iters
        self.seed = seed
        self.check_restarts = check_restarts
        self.agreement: Optional[float] = None

    def _sample(self, n: int) -> torch.Tensor:
        """Evenly spaced indices of at most ``max_points`` of ``n`` rows."""
        if n <= self.max_points:
            return torch.arange(n)
        return torch.linspace(0, n - 1, self.max_points).round().long()

    def _spaces(self, moments: torch.Tensor, query_vectors: torch.Tensor):
        """``(query distances, moment distances, centred moments, sampled
        query indices)`` of the (sampled) two sets."""
        if moments.size(0) < 2 or query_vectors.size(0) < 2:
            raise ValueError(f'{moments.size(0)} activity moments and '
                             f'{query_vectors.size(0)} queries cannot be coupled: too few '
                             'training videos with an activity, or queries')
        mi, qi = self._sample(moments.size(0)), self._sample(query_vectors.size(0))
        vis = moments[mi.to(moments.device)].double()
        txt = query_vectors[qi.to(query_vectors.device)].double().to(vis.device)
        return (centred_cosine_distances(txt), centred_cosine_distances(vis),
                vis - vis.mean(0, keepdim=True), qi)

    @property
    def _solve(self) -> dict:
        return dict(eps_schedule=self.eps_schedule, outer=self.outer,
                    sinkhorn_iters=self.sinkhorn_iters)

    @torch.no_grad()
    def __call__(self, moments: torch.Tensor, query_vectors: torch.Tensor,
                 query_groups: torch.Tensor, num_clusters: int) -> torch.Tensor:
        """
        Args:
            moments: ``M_m x D`` mean activity descriptor of each training
                moment.
            query_vectors: ``M_q x d_w`` word vectors of the training queries.
            query_groups: ``N_e x M_q`` centre of each query in each neck.
            num_clusters: ``N_c``.

        Returns:
            ``N_e x N_c x D`` unit prototypes in the centred descriptor space
            (zero for a centre none of whose queries was sampled).
        """
        c_txt, c_vis, centred, qi = self._spaces(moments, query_vectors)
        coupling, objective = best_gromov_wasserstein(
            c_txt, c_vis, self.restarts, torch.Generator().manual_seed(self.seed), **self._solve)
        groups = query_groups[:, qi.to(query_groups.device)].to(centred.device)  # N_e x M
        member = F.one_hot(groups, num_clusters).to(centred.dtype)             # N_e x M x N_c
        targets = coupling @ centred                                           # M_q x D
        protos = member.transpose(1, 2) @ targets                               # N_e x N_c x D
        missing = int((member.sum(1) == 0).sum())
        print_log(f'[align] {c_txt.size(0)} queries coupled with {c_vis.size(0)} activity '
                  f'moments (Gromov-Wasserstein, {self.restarts + 1} starts, objective '
                  f'{objective:.4f}); {missing} centres without a sampled query',
                  logger='current')
        if self.check_restarts is not None:
            again, objective_again = best_gromov_wasserstein(
                c_txt, c_vis, self.check_restarts,
                torch.Generator().manual_seed(self.seed + 1), with_product=False, **self._solve)
            self.agreement = float(target_agreement(targets[None], (again @ centred)[None]))
            print_log(f'[align] second solve ({self.check_restarts} other random starts, '
                      f'objective {objective_again:.4f}): the queries\' visual targets agree '
                      f'with the first solve\'s at mean cosine {self.agreement:.3f}',
                      logger='current')
        return F.normalize(protos, dim=-1, eps=1e-12).to(moments.dtype)

    @torch.no_grad()
    def local_optima(self, moments: torch.Tensor, query_vectors: torch.Tensor,
                     restarts: int, seed: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """The couplings that the product start and ``restarts`` random
        starts (seed ``seed``) reach, compared (the analysis behind
        :attr:`agreement`, ``tools/analysis/link_agreement.py``).

        Returns:
            ``(K objectives, K x K agreement)``: the agreement of two starts
            is the mean cosine of the queries' visual targets under their
            couplings.
        """
        c_txt, c_vis, centred, _ = self._spaces(moments, query_vectors)
        optima = local_optima(c_txt, c_vis, restarts, torch.Generator().manual_seed(seed),
                              **self._solve)
        targets = torch.stack([coupling @ centred for coupling, _ in optima])   # K x M_q x D
        agreement = target_agreement(targets, targets)
        return torch.tensor([objective for _, objective in optima]), agreement


def target_agreement(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``K_a x K_b`` mean over the queries of the cosine of their visual
    targets under each coupling of ``a`` (``K_a x M_q x D``) and of ``b``
    (``K_b x M_q x D``)."""
    a, b = F.normalize(a, dim=-1, eps=1e-12), F.normalize(b, dim=-1, eps=1e-12)
    return torch.einsum('aqd,bqd->ab', a, b) / a.size(1)
