"""Pairs text centres with visual clusters from unpaired data."""
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from scipy.optimize import quadratic_assignment

from ...registry import CROSS_MODAL_ALIGNERS
from ..clusterers.kmeans_clusterer import batched_kmeans

MATCH_MODES = ('qap', 'frequency', 'identity')


def centred_cosine(points: torch.Tensor) -> np.ndarray:
    """``K x K`` cosine similarities of ``K x d`` points after removing
    their mean (what tells one cluster from another, not what all share)."""
    x = F.normalize(points - points.mean(0, keepdim=True), dim=-1, eps=1e-8)
    return (x @ x.T).double().cpu().numpy()


def _zscore(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / max(float(x.std()), 1e-8)


def qap_objective(a: np.ndarray, b: np.ndarray, perm: np.ndarray) -> float:
    """``sum_jk a_jk b_perm(j)perm(k)``."""
    return float((a * b[np.ix_(perm, perm)]).sum())


def two_opt(a: np.ndarray, b: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """Improve a pairing by swapping the partners of two clusters while
    some swap raises :func:`qap_objective` (best swap first; once per
    training, ``K`` is ``N_c``)."""
    perm = perm.copy()
    k = len(perm)
    current = qap_objective(a, b, perm)
    while True:
        best, pair = current, None
        for i in range(k - 1):
            for j in range(i + 1, k):
                perm[[i, j]] = perm[[j, i]]
                value = qap_objective(a, b, perm)
                perm[[i, j]] = perm[[j, i]]
                if value > best + 1e-12:
                    best, pair = value, (i, j)
        if pair is None:
            return perm
        perm[list(pair)] = perm[list(pair[::-1])]
        current = best


def frequency_pairing(text_share: np.ndarray, visual_share: np.ndarray) -> np.ndarray:
    """``(K,)`` permutation pairing the clusters by the ranks of their
    shares (the most frequent text cluster with the most frequent visual
    one, and so on)."""
    perm = np.empty(len(text_share), int)
    perm[np.argsort(-text_share, kind='stable')] = np.argsort(-visual_share, kind='stable')
    return perm


def match_clusters(text_sim: np.ndarray, visual_sim: np.ndarray, text_share: np.ndarray,
                   visual_share: np.ndarray, frequency_weight: float = 1.0,
                   restarts: int = 20, seed: int = 0) -> np.ndarray:
    """The permutation ``pi`` (text cluster ``j`` -> visual cluster
    ``pi[j]``) that maximises ``sum_jk A_jk B_pi(j)pi(k)``.

    Off the diagonals ``A`` and ``B`` are the two sides' similarity
    matrices, so clusters are paired when they relate to the others alike;
    on the diagonals ``frequency_weight`` times the z-scored log shares, so
    frequent text clusters go with frequent visual ones. Solved by the FAQ
    relaxation of the quadratic assignment from the pairing by frequency
    rank, the barycentre and ``restarts`` seeded random starts, each
    refined by pair swaps (:func:`two_opt`), keeping the best objective.

    Args:
        text_sim: ``K x K`` similarities of the text clusters.
        visual_sim: ``K x K`` similarities of the visual clusters.
        text_share: ``(K,)`` share of the queries in each text cluster.
        visual_share: ``(K,)`` share of the activity frames in each
            visual cluster.
        frequency_weight: Weight of the shares against the geometry.
        restarts: Random starts of the FAQ solver.
        seed: Seed of the starts.

    Returns:
        ``(K,)`` int permutation.
    """
    a, b = text_sim.copy(), visual_sim.copy()
    np.fill_diagonal(a, frequency_weight * _zscore(np.log(text_share + 1e-6)))
    np.fill_diagonal(b, frequency_weight * _zscore(np.log(visual_share + 1e-6)))
    rng = np.random.default_rng(seed)
    by_rank = np.zeros_like(a)
    by_rank[np.arange(len(a)), frequency_pairing(text_share, visual_share)] = 1.0
    best, best_fun = None, -np.inf
    for start in [by_rank, 'barycenter'] + ['randomized'] * restarts:
        res = quadratic_assignment(a, b, method='faq', options=dict(
            maximize=True, P0=start, rng=np.random.default_rng(rng.integers(2**31))))
        perm = two_opt(a, b, np.asarray(res.col_ind))
        value = qap_objective(a, b, perm)
        if value > best_fun:
            best, best_fun = perm, value
    return np.asarray(best)


@CROSS_MODAL_ALIGNERS.register_module()
class ClusterMatchingAligner:
    """Gives each text centre ``c_j`` a visual prototype in the space of
    the video features, with no video-sentence pair.

    The visual side is a sample of *activity descriptors*: frames of the
    activity cut minus the mean of their video's other frames (what the
    action adds to the video's own look). Spherical K-means makes ``N_c``
    visual clusters; their shares of the descriptors are the visual
    frequencies. For each neck, the ``N_c`` text centres (with their shares
    of the training queries) are matched one-to-one to the visual clusters
    by :func:`match_clusters` (``match='qap'``: geometry and frequency),
    by frequency rank alone (``'frequency'``) or in the clusters' order
    (``'identity'``: an arbitrary pairing, which still gives every centre
    labels of its own but no text-video link; a control).

    Args:
        match: ``'qap'``, ``'frequency'`` or ``'identity'``.
        frequency_weight: Weight of the shares in ``'qap'``.
        restarts: Random starts of the quadratic-assignment solver.
        kmeans_iters: Lloyd iterations of the visual clustering.
        seed: Seed of the clustering and the solver.
        text_geometry: ``'words'`` or ``'necks'``.
    """

    def __init__(self, match: str = 'qap', frequency_weight: float = 1.0,
                 restarts: int = 20, kmeans_iters: int = 50, seed: int = 0,
                 text_geometry: str = 'words') -> None:
        if text_geometry not in ('words', 'necks'):
            raise ValueError(f"text_geometry must be 'words' or 'necks', got {text_geometry!r}")
        self.text_geometry = text_geometry
        if match not in MATCH_MODES:
            raise ValueError(f'match must be one of {MATCH_MODES}, got {match!r}')
        self.match = match
        self.frequency_weight = frequency_weight
        self.restarts = restarts
        self.kmeans_iters = kmeans_iters
        self.seed = seed

    def visual_clusters(self, descriptors: torch.Tensor, k: int):
        """``(k x D unit centroids, (k,) shares)`` of ``M x D`` descriptors."""
        gen = torch.Generator().manual_seed(self.seed)
        x = descriptors - descriptors.mean(0, keepdim=True)
        cents, assign = batched_kmeans(x.unsqueeze(0).float(), k, self.kmeans_iters, gen,
                                       spherical=True)
        share = torch.bincount(assign[0], minlength=k).double() / assign.size(1)
        return cents[0], share.cpu().numpy()

    @torch.no_grad()
    def __call__(self, descriptors: torch.Tensor, centers: torch.Tensor,
                 center_share: Optional[torch.Tensor] = None,
                 center_words: Optional[torch.Tensor] = None) -> torch.Tensor:
        """
        Args:
            descriptors: ``M x D`` activity descriptors of the training videos.
            centers: ``N_e x N_c x d_e`` text centres.
            center_share: ``N_e x N_c`` share of the queries of each centre
                (default: uniform).
            center_words: ``N_e x N_c x d_w`` mean word vectors of each
                centre's queries (optional).

        Returns:
            ``N_e x N_c x D`` unit visual prototypes (row ``[i, j]`` for
            centre ``j`` of neck ``i``), in the centred descriptor space.
        """
        n_e, k = centers.shape[:2]
        if descriptors.size(0) < k:
            raise ValueError(f'{descriptors.size(0)} activity descriptors cannot make {k} '
                             'visual clusters: too few training videos or activity frames')
        cents, v_share = self.visual_clusters(descriptors, k)
        share = (center_share if center_share is not None
                 else centers.new_full((n_e, k), 1.0 / k)).double().cpu().numpy()
        v_sim = centred_cosine(cents)
        text = (center_words if center_words is not None and self.text_geometry == 'words'
                else centers)
        perms = []
        for i in range(n_e):
            if self.match == 'identity':
                perm = np.arange(k)
            elif self.match == 'frequency':
                perm = frequency_pairing(share[i], v_share)
            else:
                perm = match_clusters(centred_cosine(text[i]), v_sim, share[i], v_share,
                                      self.frequency_weight, self.restarts, self.seed + i)
            perms.append(torch.as_tensor(perm, device=cents.device))
        print_log(f'[align] {descriptors.size(0)} activity descriptors -> {k} visual '
                  f'clusters (shares {v_share.min():.1%}-{v_share.max():.1%}), matched to the '
                  f'text centres of {n_e} necks by {self.match!r}', logger='current')
        return torch.stack([cents[p] for p in perms])
