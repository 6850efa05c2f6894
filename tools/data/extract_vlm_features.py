"""CLIP features of your own videos (and of an annotation file's queries).

Decodes each video with PyAV, embeds the frame at the centre of every clip of
``--clip-seconds`` with the image tower of a ``transformers`` CLIP, and
writes, under ``--out``:

- ``video_features/{vid}.npz`` (key ``features``, ``T x D`` float32,
  unit-norm rows; ``vid`` = the file's stem, ``T = ceil(duration / clip)``);
- ``durations.json`` (``{vid: seconds}``);
- with ``--annotations FILE.jsonl`` (moment_detr form): ``text_features/
  qid{qid}.npz`` per query (``pooler_output``: ``D``, ``last_hidden_state``:
  ``L x D``, both through CLIP's text projection).

A rerun skips the videos and queries already written (``--overwrite``
recomputes them). Needs the ``[vlm]`` extra (``pip install -e .[vlm]``).

Example (downloads CLIP ViT-B/32 once)::

    python tools/data/extract_vlm_features.py videos/*.mp4 --out data/own \
        --model openai/clip-vit-base-patch32 --clip-seconds 1 \
        --annotations data/own/queries.jsonl
"""
import argparse
import importlib.util
import os.path as osp
from typing import Dict, List, Optional

from dscnet_plugin.utils import run_tool, set_quiet
from dscnet_plugin.utils.cli_errors import SetupError


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='CLIP features of videos (and queries) in the moment_detr layout')
    parser.add_argument('videos', nargs='+', metavar='VIDEO', help='video files (.mp4 ...)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--model', default='openai/clip-vit-base-patch32',
                        help='CLIP folder (save_pretrained) or hub name')
    parser.add_argument('--clip-seconds', type=float, default=1.0,
                        help='seconds per feature row (1; QVHighlights uses 2)')
    parser.add_argument('--annotations', metavar='FILE.jsonl',
                        help='moment_detr-form annotations whose queries to embed')
    parser.add_argument('--query-name-format', default='qid{qid}.npz',
                        help="query file names: 'qid{qid}.npz' (moment_detr) or "
                        "'{qid}.npz' (lighthouse)")
    parser.add_argument('--batch-size', type=int, default=64,
                        help='frames / sentences per forward pass')
    parser.add_argument('--device', default=None, help='default: cuda if available, else cpu')
    parser.add_argument('--overwrite', action='store_true',
                        help='recompute videos and queries already written')
    parser.add_argument('--quiet', action='store_true', help='no progress bars')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Dict[str, Dict[str, int]]:
    args = parse_args(argv)
    set_quiet(args.quiet)
    missing = [m for m in ('transformers', 'av') if importlib.util.find_spec(m) is None]
    if missing:
        raise SetupError(f'{", ".join(missing)} not installed: this tool needs the [vlm] '
                         "extra (pip install -e '.[vlm]')")
    if not args.clip_seconds > 0:
        raise SetupError(f'--clip-seconds must be positive, got {args.clip_seconds}')
    if args.batch_size < 1:
        raise SetupError(f'--batch-size must be >= 1, got {args.batch_size}')
    if '{qid}' not in args.query_name_format:
        raise SetupError(f'--query-name-format {args.query_name_format!r} has no {{qid}}')
    from dscnet_plugin.vlm import (TEXT_DIR, CLIPEmbedder, extract_query_features,
                                   extract_video_features, read_queries)
    if args.annotations:
        read_queries(args.annotations)  # a bad file fails before any work
    embedder = CLIPEmbedder(args.model, device=args.device, batch_size=args.batch_size)
    videos = extract_video_features(args.videos, args.out, embedder,
                                    clip_seconds=args.clip_seconds,
                                    overwrite=args.overwrite)
    result = dict(videos=videos.written)
    print(f'videos: {len(videos.written)} extracted, {len(videos.skipped)} already done '
          f'-> {osp.join(args.out, "video_features")} (D = {embedder.dim})')
    if args.annotations:
        queries = extract_query_features(args.annotations, osp.join(args.out, TEXT_DIR),
                                         embedder, name_format=args.query_name_format,
                                         overwrite=args.overwrite)
        result['queries'] = queries.written
        print(f'queries: {len(queries.written)} embedded, {len(queries.skipped)} already '
              f'done -> {osp.join(args.out, TEXT_DIR)}')
    return result


if __name__ == '__main__':
    run_tool(main)
