"""Speed of the pseudo-labelling and of a bare video-module epoch at
Charades-STA scale (random features of its size): the N-cut labeller with
each solver side by side, batched ``torch.linalg.eigh`` on a subset of the
same graphs as the dense reference, and one epoch of the video module
(encoder, both heads, ``L_v``) with the features resident on the device."""
from typing import Any, Dict, Sequence

import torch

from ..models import ForegroundAttentionHead, SelfAttentionVideoEncoder, SpecificAttentionHead
from ..models.labellers import NCutLabeller, center_similarity, ncut_fiedler, pick_solver
from ..models.losses import ForegroundTripletLoss, GroundingBCELoss, SpecificAttentionLoss
from .meters import device_name, timed

#: ``(videos, T, N_c, d)`` of the full-scale run and of ``--small``.
SIZES = {'full': (5338, 128, 16, 1024), 'small': (64, 128, 16, 64)}


def labeller_speed(frames: torch.Tensor, centers: torch.Tensor,
                   mask: torch.Tensor) -> Dict[str, Any]:
    """One relabelling pass of one neck with the ``'power'`` and the
    ``'eigh'`` solver, their label agreement and the solver ``'auto'``
    picks (``frames``: ``N x T x d``, ``centers``: ``1 x N_c x d``)."""
    out: Dict[str, Any] = {}
    labels = {}
    for solver in ('power', 'eigh'):
        labeller = NCutLabeller(center_weight=1.0, num_iters=100, max_graphs=16384,
                                solver=solver)
        labeller(frames[:8], centers, mask[:8])  # warm-up
        key = 'relabel_one_neck_s' if solver == 'power' else 'relabel_one_neck_eigh_s'
        out[key] = timed(lambda: labels.update({solver: labeller(frames, centers, mask)}),
                         frames.device)
    out['relabel_4_necks_s'] = 4 * out['relabel_one_neck_s']
    out.update(solver_label_agreement=(labels['power'] == labels['eigh']).float().mean().item(),
               eigh_labeller_over_power=out['relabel_one_neck_eigh_s'] / out['relabel_one_neck_s'],
               auto_solver=pick_solver('auto', frames.device, frames.shape[1]))
    return out


def dense_reference(frames: torch.Tensor, centers: torch.Tensor, mask: torch.Tensor,
                    total_graphs: int) -> Dict[str, Any]:
    """Batched ``eigh`` against the power iteration on the graphs of
    ``frames`` (a subset), the agreement of their cuts, and ``eigh``
    extrapolated to ``total_graphs``."""
    labeller = NCutLabeller(center_weight=1.0, num_iters=100, max_graphs=16384)
    sim = center_similarity(frames, centers)
    w = labeller.affinity(frames, sim, mask).flatten(0, 1)
    node_mask = mask.repeat_interleave(centers.shape[1], 0)
    inv_sqrt = w.sum(-1).rsqrt()
    norm = w * inv_sqrt[:, :, None] * inv_sqrt[:, None, :]
    result = {}
    eigh_s = timed(lambda: result.update(e=torch.linalg.eigh(norm)[1]), frames.device)
    power_s = timed(lambda: result.update(
        p=ncut_fiedler(w, node_mask, 100, torch.Generator().manual_seed(0))), frames.device)
    reference = result['e'][:, :, -2] * inv_sqrt
    same = ((reference > 0) == (result['p'] > 0)).float().mean(-1)
    return dict(eigh_s=eigh_s, power_s=power_s, graphs_compared=int(w.size(0)),
                eigh_over_power=eigh_s / power_s,
                cut_agreement=torch.maximum(same, 1 - same).mean().item(),
                eigh_extrapolated_all_graphs_s=eigh_s * total_graphs / w.size(0))


def video_epoch_speed(num_videos: int, num_frames: int, num_centres: int,
                      device: torch.device, batch_sizes: Sequence[int],
                      feature_dim: int = 4096) -> Dict[str, float]:
    """Seconds of one epoch of the video module at the paper's widths over
    ``num_videos`` resident random videos, per batch size (after a warm-up
    epoch); bfloat16 autocast on CUDA, float32 on the CPU (as training)."""
    enc = SelfAttentionVideoEncoder(feature_dim, 512, 8).to(device)
    spe = SpecificAttentionHead(512, 256, 1024, 4).to(device)
    fore = ForegroundAttentionHead(512, 256).to(device)
    optim = torch.optim.Adam([*enc.parameters(), *spe.parameters(), *fore.parameters()],
                             lr=5e-4)
    feats = torch.rand(num_videos, num_frames, feature_dim, device=device)
    labels = torch.rand(num_videos, num_centres, num_frames, device=device) > 0.5
    mask = torch.ones(num_videos, num_frames, dtype=torch.bool, device=device)
    ctr = torch.randn(1, num_centres, 256, device=device)
    l_cls, l_sab, l_trip = GroundingBCELoss(), SpecificAttentionLoss(), ForegroundTripletLoss()

    def epoch(batch_size: int) -> None:
        for idx in torch.randperm(num_videos, device=device).split(batch_size):
            x, y, m = feats[idx], labels[idx], mask[idx]
            with torch.autocast(device.type, dtype=torch.bfloat16,
                                enabled=device.type == 'cuda'):
                f = enc(x, m)
                s, fo = spe(f, ctr, 0, m), fore(f, m)
            h = s['scores'].float() * fo['scores'].float().unsqueeze(1)
            loss = (l_cls(h, y, m) + l_sab(s['pos'].float(), s['neg'].float())
                    + l_trip(fo['features'].float(), y.float().mean(1) >= 0.5, m))
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()

    out = {}
    for bs in batch_sizes:
        epoch(bs)  # warm-up
        out[f'video_epoch_bs{bs}_s'] = timed(lambda: epoch(bs), device)
    return out


def measure(device: torch.device, small: bool = False) -> Dict[str, Any]:
    """Every number of ``tools/analysis/relabel_speed.py`` on ``device``
    (:data:`SIZES` ``'small'``: a check in seconds on a CPU)."""
    n_videos, t, n_c, d = SIZES['small' if small else 'full']
    out: Dict[str, Any] = dict(device=device_name(device), torch=torch.__version__,
                               videos=n_videos, frames=t, centres=n_c, dim=d)
    frames = torch.randn(n_videos, t, d, device=device)
    frames[:, 40:90] += 2 * torch.randn(n_videos, 1, d, device=device)  # an "activity"
    centers = torch.randn(1, n_c, d, device=device)
    mask = torch.ones(n_videos, t, dtype=torch.bool, device=device)
    out.update(labeller_speed(frames, centers, mask))
    sub = 8 if small else 64
    out.update(dense_reference(frames[:sub], centers, mask[:sub], 4 * n_videos * n_c))
    out.update(video_epoch_speed(n_videos, t, n_c, device, (16,) if small else (64, 256)))
    return out
