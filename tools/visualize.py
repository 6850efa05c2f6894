"""Draw the paper's pictures from a trained model.

Kinds (``--kind all`` draws every one):

- ``scores`` (Figure 4): the per-frame score curve of chosen test samples
  with the top predicted segment and the ground truth, one PNG per sample
  (``scores_sample{i}.png``), drawn by ``GroundingVisualizer``.
- ``tsne`` (Figure 5): t-SNE of the training queries' necks (the query set
  of the config's ``SemanticClusteringHook``; ``--tsne-split test``: the
  test sentences, as in the paper), one panel per neck, coloured by the
  chosen verbs (``tsne_verbs.png``) and objects (``tsne_objects.png``).
- ``labels``: the pseudo labels of one training video across the
  iterations (``labels_video{i}.png``), from the history the
  ``IterativeRelabelHook`` records with ``record_videos=[i]``; without a
  history, the checkpoint's final labels of that video, one block per neck.

Example (the demo)::

    python tools/train.py configs/dscnet_demo.py --work-dir work_dirs/demo_vis \
        --cfg-options "custom_hooks.1.record_videos=[0]"
    python tools/visualize.py configs/dscnet_demo.py work_dirs/demo_vis/epoch_32.pth \
        --kind all --out-dir work_dirs/demo_vis/pictures --samples 0 1 2 \
        --label-history work_dirs/demo_vis/label_history.pt
"""
import argparse
import copy
import os
import os.path as osp
from typing import List, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from dscnet_plugin.apis import init_model
from dscnet_plugin.engine.hooks.semantic_clustering_hook import collate_queries
from dscnet_plugin.registry import DATASETS
from dscnet_plugin.utils import (build_pinned, merge_cli_options, OptionsAction,
                                 register_all_modules, run_tool, safe_torch_load)
from dscnet_plugin.visualization import (PAPER_OBJECTS, PAPER_VERBS, GroundingVisualizer,
                                         plot_label_evolution, plot_neck_tsne, word_forms)

#: Defaults for vocabularies without the paper's words (the demo's).
DEMO_VERBS = ('open', 'close', 'hold', 'wash')
DEMO_OBJECTS = ('cup', 'box', 'door', 'window')
KINDS = ('scores', 'tsne', 'labels')


def parse_args():
    parser = argparse.ArgumentParser(
        description='Draw score curves (Fig. 4), neck t-SNE (Fig. 5) and pseudo-label '
        'evolution of a trained DSCNet')
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--kind', choices=KINDS + ('all',), default='all',
                        help='which pictures to draw')
    parser.add_argument('--out-dir', required=True, help='folder of the PNGs')
    parser.add_argument('--samples', type=int, nargs='+', default=[0, 1, 2],
                        help='test-set indices for the score curves')
    parser.add_argument('--words', nargs='+',
                        help='verbs of the t-SNE (default: the paper\'s drink eat run walk, '
                        'or demo verbs when those are not in the vocabulary)')
    parser.add_argument('--objects', nargs='+',
                        help='objects of the second t-SNE (default: the paper\'s cup glass '
                        'window door, or demo objects)')
    parser.add_argument('--tsne-split', choices=('train', 'test'), default='train',
                        help='queries of the t-SNE: the training query set, or the test '
                        'sentences (the paper\'s choice), tokenised alike')
    parser.add_argument('--max-others', type=int, default=1000,
                        help='most grey context queries per t-SNE panel (0: none)')
    parser.add_argument('--video-index', type=int, default=0,
                        help='training video (video_index) of the label picture')
    parser.add_argument('--label-history',
                        help='label_history.pt of the training run (default: the one next '
                        'to the checkpoint, if any)')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1...')
    parser.add_argument('--cfg-options', nargs='+', action=OptionsAction,
                        help='override settings, e.g. data_root=../shared/data')
    return parser.parse_args()


# --------------------------------------------------------------------------- scores
def draw_scores(model, cfg: Config, samples: Sequence[int], out_dir: str) -> List[str]:
    """Figure 4 for test samples ``samples``: one PNG each."""
    dataset = build_pinned(DATASETS, copy.deepcopy(cfg.test_dataloader.dataset))
    bad = [i for i in samples if not 0 <= i < len(dataset)]
    if bad:
        raise SystemExit(f'--samples {bad}: the test set has {len(dataset)} samples '
                         f'(0..{len(dataset) - 1})')
    batch = pseudo_collate([dataset[i] for i in samples])
    with torch.no_grad():
        preds = model.test_step(copy.deepcopy(batch))
        data = model.data_preprocessor(batch, False)
        scores = model.frame_scores(data['inputs'])                           # B x T
    mask = data['inputs']['video_mask'].bool()
    visualizer = GroundingVisualizer.get_instance('dscnet_visualize_tool')
    files = []
    for j, (index, sample) in enumerate(zip(samples, preds)):
        out = osp.join(out_dir, f'scores_sample{index}.png')
        visualizer.add_datasample(f'sample{index}', data_sample=sample,
                                  frame_scores=scores[j][mask[j]].cpu(), out_file=out)
        gt = sample.gt_moment.tolist()
        top = sample.pred_moments[0].tolist() if len(sample.pred_moments) else None
        top_text = f'[{top[0]:.2f}, {top[1]:.2f}] s' if top else 'none'
        print(f'sample {index}: "{sample.metainfo["query"]}" (video '
              f'{sample.metainfo["video_id"]}): GT [{gt[0]:.2f}, {gt[1]:.2f}] s, '
              f'top-1 {top_text} -> {out}')
        files.append(out)
    return files


# ----------------------------------------------------------------------------- tsne
def _in_vocab(word: str, vocab) -> bool:
    return any(form in vocab for form in word_forms(word))


def choose_words(given: Optional[Sequence[str]], paper: Sequence[str], demo: Sequence[str],
                 vocab, what: str) -> List[str]:
    """The words of one t-SNE: ``given``, else the paper's that the
    vocabulary holds (when at least two), else demo words; notes printed."""
    if given:
        absent = [w for w in given if not _in_vocab(w, vocab)]
        if absent:
            print(f'note: {what} {absent} are not in the training vocabulary: no query '
                  'holds them')
        return [w for w in given if w not in absent]
    present = [w for w in paper if _in_vocab(w, vocab)]
    if len(present) == len(paper):
        return list(present)
    absent = [w for w in paper if w not in present]
    if len(present) >= 2:
        print(f'note: not in the training vocabulary: {absent} (of the paper\'s {what}); '
              f'drawing {present}')
        return present
    words = [w for w in demo if _in_vocab(w, vocab)]
    print(f'note: the paper\'s {what} {list(paper)} are (mostly) not in the training '
          f'vocabulary (absent: {absent}); drawing the demo {what} {words} instead '
          f'(choose with --{"words" if what == "verbs" else "objects"})')
    return words


def draw_tsne(model, cfg: Config, args, out_dir: str) -> List[str]:
    """Figure 5 from the training query set (or the test sentences): one
    PNG per word kind."""
    hooks = [h for h in cfg.get('custom_hooks', [])
             if str(h.get('type')).split('.')[-1] == 'SemanticClusteringHook']
    if not hooks:
        raise SystemExit('the config has no SemanticClusteringHook: no training query set')
    query_cfg = copy.deepcopy(hooks[0]['query_set'])
    if args.tsne_split == 'test':  # same reader and pipeline, the test annotation
        query_cfg['annotation'] = copy.deepcopy(cfg.test_dataloader.dataset.annotation)
    query_set = build_pinned(DATASETS, query_cfg)
    sentences = [query_set.get_data_info(i)['query'] for i in range(len(query_set))]
    tokens, mask = collate_queries(query_set)
    device = next(model.parameters()).device
    necks = torch.cat([model.extract_necks(tokens[i:i + 1024].to(device),
                                           mask[i:i + 1024].to(device)).cpu()
                       for i in range(0, len(tokens), 1024)])                # M x N_e x d_e
    metric = 'cosine' if getattr(model.clusterer, 'spherical', False) else 'euclidean'
    files = []
    for what, given, paper, demo in (('verbs', args.words, PAPER_VERBS, DEMO_VERBS),
                                     ('objects', args.objects, PAPER_OBJECTS, DEMO_OBJECTS)):
        words = choose_words(given, paper, demo, model.vocab, what)
        out = osp.join(out_dir, f'tsne_{what}.png')
        try:
            plot_neck_tsne(necks, sentences, words, out_file=out, max_others=args.max_others,
                           metric=metric, title=f'Necks of the {args.tsne_split} queries '
                           f'coloured by {what} (t-SNE per neck)')
        except ValueError as err:  # too few queries hold the words
            print(f'note: tsne_{what}.png skipped: {err}')
            continue
        print(f't-SNE of {len(sentences)} {args.tsne_split} queries x {necks.shape[1]} necks by '
              f'{what} {words} -> {out}')
        files.append(out)
    return files


# --------------------------------------------------------------------------- labels
def draw_labels(model, cfg: Config, args, out_dir: str) -> List[str]:
    """Pseudo labels of training video ``--video-index`` across iterations."""
    dataset = build_pinned(DATASETS, copy.deepcopy(cfg.train_dataloader.dataset))
    index = args.video_index
    if not 0 <= index < len(dataset):
        raise SystemExit(f'--video-index {index}: the training set has {len(dataset)} videos')
    info = dataset.get_data_info(index)
    video_id, duration = info['video_id'], float(info['duration'])
    real = dataset[index]['inputs']['video_mask'].bool()                      # (T,)
    gt = [(r.start, r.end) for r in dataset.read_records() if r.video_id == video_id]
    history_file = args.label_history
    if history_file is None:
        beside = osp.join(osp.dirname(osp.abspath(args.checkpoint)), 'label_history.pt')
        if osp.isfile(beside):
            history_file = beside
            print(f'using the label history next to the checkpoint: {beside}')
    if history_file is not None:
        history = safe_torch_load(history_file, what='label history')
        recorded = history['video_indices'].tolist()
        if index not in recorded:
            raise SystemExit(f'{history_file} records videos {recorded}, not --video-index '
                             f'{index}: pass one of them, or train with '
                             f'record_videos=[{index}]')
        labels = history['labels'][:, recorded.index(index)][..., real]      # S x N_e x N_c x T
        panels, names = [], []
        for n in range(labels.shape[1]):
            keep = [s for s, nk in enumerate(history['neck'].tolist()) if nk in (-1, n)]
            panels.append(labels[keep, n])
            names.append(['initial' if int(history['iteration'][s]) == 0
                          else f'iteration {int(history["iteration"][s])}' for s in keep])
        title = (f'Pseudo labels of training video {video_id} (video_index {index}) across '
                 f'iterations, one panel per neck')
    else:
        bank = model.pseudo_labels
        if bank.size(0) <= index:
            raise SystemExit(f'the checkpoint\'s label bank holds {bank.size(0)} videos')
        print('note: no label history (train with the IterativeRelabelHook\'s '
              f'record_videos=[{index}] for the evolution): drawing the checkpoint\'s final '
              'labels of the video, one block per neck')
        panels = [bank[index].cpu()[..., real]]                               # N_e x N_c x T
        names = [[f'neck {n + 1}' for n in range(bank.size(1))]]
        title = (f'Final pseudo labels of training video {video_id} (video_index {index}), '
                 'one block per neck')
    out = osp.join(out_dir, f'labels_video{index}.png')
    plot_label_evolution(panels, times=duration, gt_segments=gt, out_file=out,
                         row_labels=names, panel_titles=None if len(panels) > 1 else [''],
                         title=title)
    print(f'labels of video {video_id} ({duration:.1f} s, {len(gt)} annotated moments) '
          f'-> {out}')
    return [out]


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = merge_cli_options(Config.fromfile(args.config), args.cfg_options)
    model = init_model(cfg, args.checkpoint, args.device)
    os.makedirs(args.out_dir, exist_ok=True)
    kinds = KINDS if args.kind == 'all' else (args.kind,)
    files = []
    if 'scores' in kinds:
        files += draw_scores(model, cfg, args.samples, args.out_dir)
    if 'tsne' in kinds:
        files += draw_tsne(model, cfg, args, args.out_dir)
    if 'labels' in kinds:
        files += draw_labels(model, cfg, args, args.out_dir)
    print(f'{len(files)} pictures written to {args.out_dir}')


if __name__ == '__main__':
    run_tool(main)
