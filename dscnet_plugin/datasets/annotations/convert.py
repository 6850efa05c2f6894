"""Convert Charades-STA / ActivityNet Captions annotations to moment_detr jsonl.

The records are read by the package's own readers (same repairs, same
errors), then written by :func:`write_moment_detr_jsonl`, one output file
per input, with ``qid`` numbered on across the inputs in their order (the
lighthouse convention: ``train`` gets ``0 .. N-1``, the next split goes on
from ``N``).
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

from mmengine.logging import print_log

from ...utils.cli_errors import SetupError
from .activitynet_captions import ActivityNetCaptionsAnnotation
from .charades_sta import CharadesSTAAnnotation
from .moment_detr import write_moment_detr_jsonl
from .moment_record import MomentRecord

#: The formats read, by their command-line name.
FORMATS = ('charades-sta', 'activitynet')


def read_source(fmt: str, path: str, duration_file: Optional[str] = None) -> List[MomentRecord]:
    """The repaired records of one annotation file of format ``fmt``.

    Args:
        fmt: One of :data:`FORMATS`.
        path: The annotation file (Charades-STA ``.txt``, ActivityNet
            Captions ``.json``).
        duration_file: The Charades ``Charades_v1_{train,test}.csv`` (or a
            ``{video_id: seconds}`` JSON); Charades-STA only.

    Raises:
        SetupError: unknown format, or a duration file missing / given
            where none is read.
        AnnotationError: the file (or the durations) is malformed.
    """
    if fmt == 'charades-sta':
        if duration_file is None:
            raise SetupError('charades-sta needs the video durations: --duration-file '
                             'Charades_v1_{train,test}.csv (or a {video_id: seconds} JSON)')
        return CharadesSTAAnnotation(path, duration_file).load()
    if fmt == 'activitynet':
        if duration_file is not None:
            raise SetupError('activitynet files hold their durations; drop --duration-file')
        return ActivityNetCaptionsAnnotation(path).load()
    raise SetupError(f'unknown format {fmt!r}; expected one of {list(FORMATS)}')


def _pair(inputs: Sequence[str], values: Sequence[str], what: str) -> List[str]:
    """``values`` matched to ``inputs``: one for all, or one per input."""
    values = list(values)
    if len(values) == len(inputs):
        return values
    if len(values) == 1 and what == '--duration-file':
        return values * len(inputs)
    raise SetupError(f'{len(inputs)} input file(s) but {len(values)} {what} value(s); '
                     f'give one {what} per input, in the same order'
                     + (' (or one for all)' if what == '--duration-file' else ''))


def convert_annotations(fmt: str, inputs: Sequence[str], outputs: Sequence[str],
                        duration_files: Sequence[str] = (),
                        first_qid: int = 0) -> List[Tuple[str, int, int]]:
    """Convert each input to its output jsonl, numbering ``qid`` across them.

    Every input is read (and checked) before anything is written, so a bad
    file leaves no partial output.

    Args:
        fmt: One of :data:`FORMATS`.
        inputs: The annotation files, in numbering order.
        outputs: One ``.jsonl`` path per input.
        duration_files: Charades-STA: one per input, or one for all.
        first_qid: ``qid`` of the first record of the first input.

    Returns:
        ``(output, first qid, number of records)`` of each output.

    Raises:
        SetupError: see :func:`read_source`; mismatched counts, or an
            output that is also an input or given twice.
        AnnotationError: a malformed input.
        OutputFileError: an output cannot be written.
    """
    outputs = _pair(inputs, outputs, '--out')
    durations = _pair(inputs, duration_files, '--duration-file') if duration_files \
        else [None] * len(inputs)
    ins = {osp.realpath(p) for p in inputs} | {osp.realpath(p) for p in duration_files}
    seen = set()
    for out in outputs:
        real = osp.realpath(out)
        if real in ins:
            raise SetupError(f'--out {out} is one of the input files; choose another path')
        if real in seen:
            raise SetupError(f'--out {out} is given twice')
        seen.add(real)
    sources = [read_source(fmt, p, d) for p, d in zip(inputs, durations)]
    done, qid = [], first_qid
    for path, out, records in zip(inputs, outputs, sources):
        count = write_moment_detr_jsonl(records, out, first_qid=qid)
        print_log(f'[convert] {path}: {count} queries -> {out} (qid {qid}..'
                  f'{qid + count - 1})', logger='current')
        done.append((out, qid, count))
        qid += count
    return done
