"""Speed of the pseudo-labelling and of a video-module epoch at Charades scale.

Measures, on the given device, with random features of Charades-STA's size
(5338 training videos, T = 128, N_c = 16 centres, d_e' = 1024):

- one relabelling pass of ``NCutLabeller`` (batched power iteration) for one
  neck, and the 4 necks of the paper's Charades setting;
- the same pass with the labeller's ``eigh`` solver, the agreement of the
  two passes' labels and the solver ``'auto'`` picks on this device;
- batched ``torch.linalg.eigh`` on a subset of the same graphs (the dense
  reference), the speed ratio, and the agreement of the two cuts;
- one epoch of the video module (encoder + both heads + L_v) with the
  features resident on the device, at two batch sizes.

Usage::

    python tools/analysis/relabel_speed.py --out relabel_speed.json          # GPU
    python tools/analysis/relabel_speed.py --small --out relabel_speed.json  # CPU check
"""
import argparse
import json

import torch

from dscnet_plugin.benchmark.meters import device_name, timed
from dscnet_plugin.models import (ForegroundAttentionHead, SelfAttentionVideoEncoder,
                                  SpecificAttentionHead)
from dscnet_plugin.models.labellers import (NCutLabeller, center_similarity, ncut_fiedler,
                                            pick_solver)
from dscnet_plugin.models.losses import (ForegroundTripletLoss, GroundingBCELoss,
                                         SpecificAttentionLoss)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--small', action='store_true',
                        help='64 videos, d=64: a quick check on a CPU')
    parser.add_argument('--out', help='write the results as JSON here')
    return parser.parse_args()


def main():
    args = parse_args()
    dev = torch.device(args.device)
    n_videos, t, n_c = (64, 128, 16) if args.small else (5338, 128, 16)
    d = 64 if args.small else 1024
    out = dict(device=device_name(dev), torch=torch.__version__, videos=n_videos, frames=t,
               centres=n_c, dim=d)
    frames = torch.randn(n_videos, t, d, device=dev)
    frames[:, 40:90] += 2 * torch.randn(n_videos, 1, d, device=dev)  # an "activity"
    centers = torch.randn(1, n_c, d, device=dev)
    mask = torch.ones(n_videos, t, dtype=torch.bool, device=dev)

    labels = {}
    for solver in ('power', 'eigh'):  # the labeller with each solver, side by side
        labeller = NCutLabeller(center_weight=1.0, num_iters=100, max_graphs=16384,
                                solver=solver)
        labeller(frames[:8], centers, mask[:8])  # warm-up
        key = 'relabel_one_neck_s' if solver == 'power' else 'relabel_one_neck_eigh_s'
        out[key] = timed(lambda: labels.update({solver: labeller(frames, centers, mask)}), dev)
    out['relabel_4_necks_s'] = 4 * out['relabel_one_neck_s']
    out.update(solver_label_agreement=(labels['power'] == labels['eigh']).float().mean().item(),
               eigh_labeller_over_power=out['relabel_one_neck_eigh_s'] / out['relabel_one_neck_s'],
               auto_solver=pick_solver('auto', dev, t))
    labeller = NCutLabeller(center_weight=1.0, num_iters=100, max_graphs=16384)

    sub = 8 if args.small else 64
    sim = center_similarity(frames[:sub], centers)
    w = labeller.affinity(frames[:sub], sim, mask[:sub]).flatten(0, 1)
    node_mask = mask[:sub].repeat_interleave(n_c, 0)
    inv_sqrt = w.sum(-1).rsqrt()
    norm = w * inv_sqrt[:, :, None] * inv_sqrt[:, None, :]
    result = {}
    out['eigh_s'] = timed(lambda: result.update(e=torch.linalg.eigh(norm)[1]), dev)
    out['power_s'] = timed(lambda: result.update(
        p=ncut_fiedler(w, node_mask, 100, torch.Generator().manual_seed(0))), dev)
    reference = result['e'][:, :, -2] * inv_sqrt
    same = ((reference > 0) == (result['p'] > 0)).float().mean(-1)
    out.update(graphs_compared=int(w.size(0)), eigh_over_power=out['eigh_s'] / out['power_s'],
               cut_agreement=torch.maximum(same, 1 - same).mean().item(),
               eigh_extrapolated_all_graphs_s=out['eigh_s'] * 4 * n_videos * n_c / w.size(0))

    enc = SelfAttentionVideoEncoder(4096, 512, 8).to(dev)
    spe = SpecificAttentionHead(512, 256, 1024, 4).to(dev)
    fore = ForegroundAttentionHead(512, 256).to(dev)
    params = [*enc.parameters(), *spe.parameters(), *fore.parameters()]
    optim = torch.optim.Adam(params, lr=5e-4)
    feats = torch.rand(n_videos, t, 4096, device=dev)
    labels = torch.rand(n_videos, n_c, t, device=dev) > 0.5
    ctr = torch.randn(1, n_c, 256, device=dev)
    l_cls, l_sab, l_trip = GroundingBCELoss(), SpecificAttentionLoss(), ForegroundTripletLoss()

    def epoch(batch_size):
        for idx in torch.randperm(n_videos, device=dev).split(batch_size):
            x, y, m = feats[idx], labels[idx], mask[idx]
            with torch.autocast(dev.type, dtype=torch.bfloat16):
                f = enc(x, m)
                s, fo = spe(f, ctr, 0, m), fore(f, m)
            h = s['scores'].float() * fo['scores'].float().unsqueeze(1)
            loss = (l_cls(h, y, m) + l_sab(s['pos'].float(), s['neg'].float())
                    + l_trip(fo['features'].float(), y.float().mean(1) >= 0.5, m))
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()

    for bs in ((16,) if args.small else (64, 256)):
        epoch(bs)  # warm-up
        out[f'video_epoch_bs{bs}_s'] = timed(lambda: epoch(bs), dev)
    print(json.dumps(out, indent=2))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(out, f, indent=2)


if __name__ == '__main__':
    main()
