"""Where does a trained demo DSCNet lose the text-video link?

Analysis, never training: for a checkpoint of ``configs/dscnet_demo*.py`` it
reads which action each demo moment shows (the generator's internals) and
reports, per neck:

- *text purity*: the share of the training queries whose nearest centre
  (by their prepared necks, as the model assigns them) is the centre's
  majority action;
- *visual purity*: the same for the activity frames of the training videos
  and their nearest visual prototype (``visual_prototypes``; models with
  centre-dependent labels only);
- *paired right*: centres whose queries' majority action is the majority
  action of the frames nearest to their prototype.

Usage::

    python tools/analysis/demo_pipeline_diagnostics.py configs/dscnet_demo_centre_labels.py \\
        work_dirs/dscnet_demo_centre_labels/epoch_32.pth
"""
import argparse
import json
from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F
from mmengine import Config
from mmengine.registry import DefaultScope

from dscnet_plugin.datasets.synthetic.generator import SyntheticGroundingGenerator
from dscnet_plugin.engine.hooks.semantic_clustering_hook import collate_queries
from dscnet_plugin.registry import DATASETS, MODELS
from dscnet_plugin.utils import safe_torch_load


def majority(labels: np.ndarray, assign: np.ndarray, k: int):
    """``({cluster: majority label}, purity)``, label -1 (background) kept."""
    out, hits = {}, 0
    for j in range(k):
        m = labels[assign == j]
        if len(m):
            values, counts = np.unique(m, return_counts=True)
            out[j], hits = int(values[counts.argmax()]), hits + int(counts.max())
    return out, hits / max(len(labels), 1)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    with DefaultScope.overwrite_default_scope('dscnet_plugin'):
        model = MODELS.build(cfg.model)
        model.load_state_dict(safe_torch_load(args.checkpoint)['state_dict'])
        model.eval()
        query_set = DATASETS.build(next(h for h in cfg.custom_hooks
                                        if h['type'] == 'SemanticClusteringHook')['query_set'])
    gen_cfg = cfg.generator.to_dict()
    gen_cfg.pop('type')
    data = SyntheticGroundingGenerator(**gen_cfg).generate()
    seen, actions = Counter(), []
    for vid, *_ in data['train']:
        actions.append(data['actions'][vid][seen[vid]])
        seen[vid] += 1
    order = sorted(range(len(actions)), key=lambda k: data['train'][k][3])  # sorted by text
    q_act = np.array(actions)[order]
    tokens, mask = collate_queries(query_set)
    with torch.no_grad():
        necks = model.prepare_necks(model.extract_necks(tokens, mask))
    sec = gen_cfg.get('clip_seconds', 1 / 3)
    frames, frame_act = [], []
    for vid in seen:
        f = torch.as_tensor(data['features'][vid])[None]
        m = torch.ones(1, f.size(1), dtype=torch.bool)
        label = -np.ones(f.size(1), int)
        rows = [r for r in data['train'] if r[0] == vid]
        for (_, s, e, _), a in zip(rows, data['actions'][vid]):
            label[int(round(s / sec)):int(round(e / sec))] = a
        if getattr(model, 'splits_activity', False):
            act = model.pseudo_labeller.activity(f, m)
            x = F.normalize(model.pseudo_labeller.centred(f, act, m)[0], dim=-1)
            keep = act[0].numpy()
            frames.append(x[keep])
            frame_act.append(label[keep])
    out = []
    for i in range(model.num_necks):
        near = torch.cdist(necks[:, i], model.centers[i]).argmin(-1).numpy()
        t_major, t_purity = majority(q_act, near, model.num_clusters)
        row = dict(neck=i, text_purity=round(t_purity, 3))
        if frames:
            sim = torch.cat(frames) @ model.visual_prototypes[i].T
            v_major, v_purity = majority(np.concatenate(frame_act), sim.argmax(-1).numpy(),
                                         model.num_clusters)
            row.update(visual_purity=round(v_purity, 3), paired_right=sum(
                j in v_major and v_major[j] == a for j, a in t_major.items()))
        out.append(row)
    return dict(config=args.config, checkpoint=args.checkpoint, necks=out)


if __name__ == '__main__':
    print(json.dumps(main(), indent=1))
