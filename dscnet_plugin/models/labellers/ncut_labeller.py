"""N-cut pseudo-labeller: per (video, centre) binary frame labels."""
from typing import Optional

import torch
import torch.nn.functional as F

from ...registry import PSEUDO_LABELLERS
from .spectral import ncut_fiedler, ncut_fiedler_eigh, pick_solver


def center_similarity(frames: torch.Tensor, centers: torch.Tensor) -> torch.Tensor:
    """Cosine similarity ``B x N_c x T`` of frames ``B x T x d`` and centres
    ``B x N_c x d`` (or ``1 x N_c x d``, shared by the batch)."""
    f = F.normalize(frames, dim=-1, eps=1e-8)
    c = F.normalize(centers, dim=-1, eps=1e-8).expand(f.size(0), -1, -1)
    return c @ f.transpose(1, 2)


def foreground_side(side: torch.Tensor, sim: Optional[torch.Tensor],
                    mask: torch.Tensor) -> torch.Tensor:
    """Labels from a bipartition: the side whose frames are, on average,
    more similar to the centre is the foreground; without a centre
    (``sim=None``) the smaller side is (an activity fills the lesser part of
    an untrimmed video: ~30 % on Charades-STA).

    Args:
        side: ``... x T`` bool, one side of the cut.
        sim: ``... x T`` frame-centre similarity, or None.
        mask: ``... x T`` bool real frames.
    """
    a = side & mask
    b = ~side & mask
    if sim is None:
        pick_a = a.sum(-1) <= b.sum(-1)
    else:
        mean_a = (sim * a).sum(-1) / a.sum(-1).clamp(min=1)
        mean_b = (sim * b).sum(-1) / b.sum(-1).clamp(min=1)
        pick_a = mean_a >= mean_b
    pick_a &= a.any(-1)
    return torch.where(pick_a.unsqueeze(-1), a, b)


@PSEUDO_LABELLERS.register_module()
class NCutLabeller:
    """Binary labels ``Y`` (``N_c x T`` per video) by a normalised cut of the
    frames of each video with respect to each centre.

    Reading of the paper's "N-cut with a Gaussian kernel upon ``[f_t; c_j]``"
    (see ``docs/method.md``): concatenating the constant ``c_j`` to every
    frame would not change any distance between frames, so each node is
    ``x_t = [f_t / |f_t|; gamma cos(f_t, c_j)]``: the frame's direction plus
    its similarity to the centre. The affinity
    ``W_ab = exp(-|x_a - x_b|^2 / (2 sigma^2))`` then depends on ``c_j``
    (frames equally related to the centre are drawn together), the cut is
    the sign of the Fiedler vector (batched power iteration), and the side
    more similar to ``c_j`` is labelled 1. ``gamma=0`` gives the literal,
    centre-independent cut (the centre then only picks the side).

    Args:
        center_weight: ``gamma``.
        bandwidth: ``2 sigma^2`` as a multiple of the graph's mean squared
            distance between real frames.
        num_iters: Power iterations.
        max_graphs: Graphs (video x centre) processed at once.
        solver: ``'power'`` (batched power iteration, ``num_iters`` steps;
            the default, so earlier results reproduce), ``'eigh'`` (exact
            dense eigendecomposition) or ``'auto'`` (by device and graph
            size, see :func:`~dscnet_plugin.models.labellers.spectral.pick_solver`).
            Where the second and third eigenvalues nearly tie, 100 power steps
            can stop at another vector than the exact one and cut differently.
        seed: Seed of the power-iteration start vectors.
    """

    def __init__(self, center_weight: float = 1.0, bandwidth: float = 1.0,
                 num_iters: int = 100, max_graphs: int = 8192, seed: int = 0,
                 solver: str = 'power') -> None:
        pick_solver(solver, torch.device('cpu'), 0)  # checks the name
        self.center_weight = center_weight
        self.bandwidth = bandwidth
        self.num_iters = num_iters
        self.max_graphs = max_graphs
        self.seed = seed
        self.solver = solver

    def affinity(self, frames: torch.Tensor, sim: torch.Tensor,
                 mask: torch.Tensor) -> torch.Tensor:
        """``B x N_c x T x T`` Gaussian affinities of the nodes ``x_t``."""
        f = F.normalize(frames, dim=-1, eps=1e-8)
        d_frames = (2.0 - 2.0 * f @ f.transpose(1, 2)).clamp(min=0)      # B x T x T
        d = d_frames.unsqueeze(1) + (self.center_weight * (
            sim.unsqueeze(-1) - sim.unsqueeze(-2))) ** 2                  # B x N_c x T x T
        pair = (mask.unsqueeze(1) & mask.unsqueeze(2)).unsqueeze(1).to(d.dtype)
        mean = (d * pair).sum((-1, -2)) / pair.sum((-1, -2)).clamp(min=1)
        scale = (self.bandwidth * mean).clamp(min=1e-8)
        return torch.exp(-d / scale[..., None, None])

    @torch.no_grad()
    def __call__(self, frames: torch.Tensor, centers: Optional[torch.Tensor],
                 mask: torch.Tensor, generator: Optional[torch.Generator] = None
                 ) -> torch.Tensor:
        """
        Args:
            frames: ``B x T x d`` frame features (``f_hat``).
            centers: ``B x N_c x d`` or ``1 x N_c x d`` centres (``c_hat``);
                ``None`` makes one centre-free cut per video whose smaller
                side is labelled 1 (``B x 1 x T``): the initial labels, when
                frames and centres share no space yet.
            mask: ``B x T`` bool mask of real frames.
            generator: Start vectors' generator (default: seeded by ``seed``).

        Returns:
            ``B x N_c x T`` bool labels (False on padded frames).
        """
        gen = generator or torch.Generator().manual_seed(self.seed)
        # padded frames take no part (not even a NaN or inf of theirs: 0 * nan = nan)
        frames = frames.masked_fill(~mask.unsqueeze(-1), 0.0)
        b, t = mask.shape
        n_c = 1 if centers is None else centers.size(1)
        step = max(1, self.max_graphs // n_c)
        # one start vector for every chunk: labels do not depend on chunking
        start = torch.randn(t, generator=gen)
        solver = pick_solver(self.solver, frames.device, t)
        out = []
        for i in range(0, b, step):  # chunks of videos bound the T x T memory
            fr, ms = frames[i:i + step], mask[i:i + step]
            if centers is None:
                sim = None
                w = self.affinity(fr, fr.new_zeros(fr.size(0), 1, t), ms)
            else:
                sim = center_similarity(
                    fr, centers if centers.size(0) == 1 else centers[i:i + step])
                w = self.affinity(fr, sim, ms)
            node_mask = ms.unsqueeze(1).expand(-1, n_c, -1).flatten(0, 1)
            fiedler = (ncut_fiedler_eigh(w.flatten(0, 1), node_mask) if solver == 'eigh' else
                       ncut_fiedler(w.flatten(0, 1), node_mask, self.num_iters, start=start))
            side = (fiedler > 0).view(-1, n_c, t)
            out.append(foreground_side(side, sim, ms.unsqueeze(1).expand_as(side)))
        return torch.cat(out)
