"""Ground sentences in one video with a trained (or training-free) model.

Examples::

    # one video's features in a .npy / .pt file (T x D)
    python tools/infer.py configs/dscnet_charades.py work_dirs/dscnet_charades/epoch_20.pth \
        --video feats.npy --query "person opens the door" --duration 30.5 \
        --cfg-options data_root=/path/to/data

    # a video of an HDF5 file (or of a folder of {video_id}.npy files)
    python tools/infer.py CONFIG CKPT --video c3d.hdf5 --video-id 3MSZA \
        --query "a person sits down" --query "person turns on the light" \
        --duration 30.5 --top-k 5 --out result.json --show curve.png

    # a video file, straight through a training-free vision-language config (no
    # checkpoint; needs the [vlm] extra; CLIP ViT-B/32 is downloaded once):
    python tools/infer.py configs/zeroshot_vlm_charades-sta.py --video my.mp4 \
        --query "a person opens the door" --show curve.png --out result.json

The vocabulary of a DSCNet model is built from the training annotation named in
the config, so ``data_root`` must point at the data, as for ``tools/test.py``.
A model without weights (``ZeroShotVLMGrounder``) needs no checkpoint.
"""
import argparse
import json
from typing import List

from mmengine.config import Config

from dscnet_plugin.apis import (GroundingInferencer, has_weights, is_video_file,
                                reads_vlm_features, require_vlm_extra, video_file_refused)
from dscnet_plugin.utils import (atomic_text, merge_cli_options, OptionsAction,
                                 register_all_modules, run_tool, writing)
from dscnet_plugin.utils.cli_errors import SetupError
from dscnet_plugin.vlm.clip_loading import DEFAULT_CLIP
from dscnet_plugin.visualization import plot_score_curves


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Ground sentences in one video, from its pre-extracted features or, '
        'with a vision-language config, from the video file itself')
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('checkpoint', nargs='?',
                        help='checkpoint file (not for models without weights, such as '
                        'configs/zeroshot_vlm_*.py)')
    parser.add_argument('--video', required=True,
                        help='a .npy / .pt file of one video\'s T x D features, or, with '
                        '--video-id, an HDF5 file or a folder of {video_id}.npy/.pt files; '
                        'with a vision-language config also a video file (.mp4 ...)')
    parser.add_argument('--video-id', help='the video inside --video')
    parser.add_argument('--query', action='append', required=True,
                        help='a sentence to ground (repeat for several)')
    parser.add_argument('--duration', type=float,
                        help='video length in seconds (without it, times are fractions '
                        'of the video, 0..1)')
    parser.add_argument('--top-k', type=int, default=5, help='segments per query')
    parser.add_argument('--batch-size', type=int,
                        help='queries per forward (default: all in one)')
    parser.add_argument('--out', metavar='FILE.json', help='write the results as JSON')
    parser.add_argument('--show', metavar='FILE.png',
                        help='write the frame-score curves with the top segment shaded')
    parser.add_argument('--clip-model', default=DEFAULT_CLIP,
                        help='vision-language configs: the CLIP (folder written by '
                        'save_pretrained, or hub name) that embeds the queries and frames')
    parser.add_argument('--clip-seconds', type=float,
                        help='vision-language configs: seconds per decoded clip of a video '
                        'file (default: the config\'s clip_seconds)')
    parser.add_argument('--device', help='cpu, cuda, cuda:1... (default: cuda if available)')
    parser.add_argument('--cfg-options', nargs='+', action=OptionsAction,
                        help='override settings, e.g. data_root=../shared/data')
    return parser.parse_args(argv)


def format_results(results: List[dict], video: str) -> str:
    """A readable table of the ranked segments of each query."""
    lines = []
    for i, res in enumerate(results, 1):
        seconds = res['unit'] == 'seconds'
        length = f', {res["duration"]:.2f} s' if seconds else ''
        lines.append(f'[{i}] "{res["query"]}"  (video {video}{length})')
        unit = '(s)' if seconds else '(0..1)'
        lines.append(f'    {"rank":>4}  {"start " + unit:>12}  {"end " + unit:>12}  {"score":>7}')
        for rank, ((start, end), score) in enumerate(zip(res['segments'], res['scores']), 1):
            lines.append(f'    {rank:>4}  {start:>12.2f}  {end:>12.2f}  {score:>7.3f}')
        if not res['segments']:
            lines.append('    (no segment)')
    if results and results[0]['unit'] != 'seconds':
        lines.append('times are fractions of the video: pass --duration for seconds')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = merge_cli_options(Config.fromfile(args.config), args.cfg_options)
    vlm = reads_vlm_features(cfg)
    if is_video_file(args.video) and args.video_id is None:
        if not vlm:
            raise video_file_refused(args.video, cfg)
        if args.duration is not None:
            raise SetupError(f'{args.video}: --duration is read from the video file; '
                             'leave it out')
    if vlm:
        require_vlm_extra(f'{args.config} (queries embedded with CLIP)')
    inferencer = GroundingInferencer(cfg, args.checkpoint, device=args.device,
                                     clip_model=args.clip_model,
                                     clip_seconds=args.clip_seconds)
    if args.checkpoint is None and has_weights(inferencer.model):
        raise SetupError(f'the model of {args.config} ({type(inferencer.model).__name__}) '
                         'has trained weights: give its checkpoint '
                         '(tools/infer.py CONFIG CHECKPOINT --video ...)')
    video = args.video if args.video_id is None else (args.video, args.video_id)
    results = inferencer(video, args.query, duration=args.duration, top_k=args.top_k,
                         batch_size=args.batch_size)
    name = args.video if args.video_id is None else f'{args.video_id} of {args.video}'
    print(format_results(results, name))
    if args.out:
        atomic_text(args.out, json.dumps(results, indent=2))
        print(f'results written to {args.out}')
    if args.show:
        with writing(args.show):
            plot_score_curves(results, out_file=args.show)
        print(f'score curves written to {args.show}')


if __name__ == '__main__':
    run_tool(main)
