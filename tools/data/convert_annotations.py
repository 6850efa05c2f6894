"""Convert Charades-STA / ActivityNet Captions annotations to moment_detr jsonl.

One JSON object a line (``qid``, ``query``, ``vid``, ``duration``,
``relevant_windows``), the form of moment_detr / QVHighlights / lighthouse,
read by ``dict(type='MomentDETRAnnotation', ann_file=...)``. The readers'
repairs apply (ends clipped to the duration, empty moments dropped, logged).
``qid`` numbers the records of the inputs in order, continuing from one
input to the next::

    python tools/data/convert_annotations.py --format charades-sta \\
        data/charades_sta/charades_sta_train.txt data/charades_sta/charades_sta_test.txt \\
        --duration-file data/charades/Charades_v1_train.csv data/charades/Charades_v1_test.csv \\
        --out charades_sta_train.jsonl charades_sta_test.jsonl
    python tools/data/convert_annotations.py --format activitynet \\
        data/activitynet_captions/train.json --out activitynet_train.jsonl
"""
import argparse

from dscnet_plugin.datasets.annotations.convert import FORMATS, convert_annotations
from dscnet_plugin.utils import run_tool


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--format', required=True, choices=FORMATS,
                        help='format of the inputs')
    parser.add_argument('inputs', nargs='+', metavar='IN',
                        help='annotation files, in qid order (.txt for charades-sta, '
                        '.json for activitynet)')
    parser.add_argument('--out', nargs='+', required=True, metavar='OUT.jsonl',
                        help='one output file per input, in the same order')
    parser.add_argument('--duration-file', nargs='+', default=(), metavar='FILE',
                        help='charades-sta: Charades_v1_{train,test}.csv (or a '
                        '{video_id: seconds} JSON), one per input or one for all')
    parser.add_argument('--first-qid', type=int, default=0,
                        help='qid of the first record of the first input (default 0)')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    convert_annotations(args.format, args.inputs, args.out, args.duration_file,
                        args.first_qid)


if __name__ == '__main__':
    run_tool(main)
