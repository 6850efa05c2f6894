"""CLIP text features of the queries of a moment_detr-form annotation file.

Each line of the ``.jsonl`` is a JSON object with at least ``qid`` (int or
str) and ``query`` (str) (``vid``, ``duration``, ``relevant_windows`` are not
needed here). Each query is written to ``{out}/{name_format}`` (default
``qid{qid}.npz``, moment_detr's name; ``{qid}.npz`` is lighthouse's) with
``pooler_output`` (``D``) and ``last_hidden_state`` (``L x D``), float32, as
:meth:`~dscnet_plugin.vlm.clip_embedder.CLIPEmbedder.embed_texts` gives them.
Written atomically; a query whose file is valid is skipped on a rerun.
"""
import json
import logging
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np
from mmengine.logging import print_log

from ..datasets.errors import AnnotationError
from ..utils.atomic_files import atomic_npz
from ..utils.progress import track
from .clip_embedder import CLIPEmbedder
from .feature_extraction import ExtractionSummary, read_npz

TEXT_DIR = 'text_features'
QUERY_NAME_FORMAT = 'qid{qid}.npz'


def read_queries(path: str) -> List[Tuple[str, str]]:
    """``(qid, query)`` of every line of a moment_detr ``.jsonl``, in order
    (a qid given twice with the same query is kept once).

    Raises:
        AnnotationError: a line is not a JSON object with an int / str
            ``qid`` and a non-empty str ``query``, or a qid has two queries
            (the message names the file and line).
    """
    if not osp.isfile(path):
        raise AnnotationError(path, 'annotation file not found')
    seen: Dict[str, Tuple[str, int]] = {}
    out: List[Tuple[str, str]] = []
    with open(path, encoding='utf-8') as f:
        try:
            lines = f.read().splitlines()
        except UnicodeDecodeError as e:
            raise AnnotationError(path, f'not UTF-8 text ({e.reason})') from None
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise AnnotationError(path, f'not a JSON object ({e.msg})', line_no) from None
        if not isinstance(obj, dict):
            raise AnnotationError(path, 'expected a JSON object per line', line_no)
        qid, query = obj.get('qid'), obj.get('query')
        if isinstance(qid, bool) or not isinstance(qid, (int, str)) or qid == '':
            raise AnnotationError(path, f'qid is {qid!r}, expected an int or a string',
                                  line_no)
        if not isinstance(query, str) or not query.strip():
            raise AnnotationError(path, f'query is {query!r}, expected a sentence', line_no)
        qid = str(qid)
        if qid in seen:
            if seen[qid][0] != query:
                raise AnnotationError(path, f'qid {qid} has another query on line '
                                      f'{seen[qid][1]}', line_no)
            continue
        seen[qid] = (query, line_no)
        out.append((qid, query))
    return out


def valid_query_file(path: str, dim: int) -> bool:
    """``path`` holds ``pooler_output`` (``dim``) and ``last_hidden_state``
    (``L x dim``, ``L >= 1``), float32 and finite."""
    data = read_npz(path) if osp.isfile(path) else None
    if data is None:
        return False
    pooled, tokens = data.get('pooler_output'), data.get('last_hidden_state')
    return (pooled is not None and tokens is not None and pooled.shape == (dim,)
            and tokens.ndim == 2 and tokens.shape[0] >= 1 and tokens.shape[1] == dim
            and pooled.dtype == np.float32 and tokens.dtype == np.float32
            and bool(np.isfinite(pooled).all() and np.isfinite(tokens).all()))


def extract_query_features(ann_file: str, out_dir: str, embedder: CLIPEmbedder,
                           name_format: str = QUERY_NAME_FORMAT,
                           overwrite: bool = False) -> ExtractionSummary:
    """Write the text features of every query of ``ann_file`` to ``out_dir``.

    Returns:
        :class:`~dscnet_plugin.vlm.feature_extraction.ExtractionSummary`
        keyed by qid (``written[qid]`` = the query's token count ``L``).
    """
    queries = read_queries(ann_file)
    summary = ExtractionSummary()
    todo = []
    for qid, query in queries:
        target = osp.join(out_dir, name_format.format(qid=qid))
        if not overwrite and valid_query_file(target, embedder.dim):
            summary.skipped.append(qid)
        else:
            todo.append((qid, query, target))
    size = embedder.batch_size
    batches = [todo[i:i + size] for i in range(0, len(todo), size)]
    for batch in track(batches):
        feats = embedder.embed_texts([query for _, query, _ in batch])
        for (qid, _, target), arrays in zip(batch, feats):
            atomic_npz(target, **arrays)
            summary.written[qid] = int(arrays['last_hidden_state'].shape[0])
    print_log(f'{ann_file}: {len(summary.written)} query feature file(s) written to '
              f'{out_dir}, {len(summary.skipped)} already there', logger='current',
              level=logging.INFO)
    return summary
