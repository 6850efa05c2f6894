"""Per-stage wall time and peak memory of the DSCNet pipeline at dataset scale.

The five stages of a DSCNet run (Algorithm 1), each measured on the real
code path: the model is built from ``configs/dscnet_<dataset>.py`` (the
vocabulary and the GloVe vectors are replaced by random ones of the real
size) and each stage calls the method the training / test loop calls.

=================  =========================================================
``language_epoch``  one epoch of ``SemanticClusteringHook.train_language``
                    (LSTM neck auto-encoder, ``L_w``, Adam) over the queries
``clustering``      ``SemanticClusteringHook.cluster``: necks of all training
                    queries + k-means (``N_c`` centres per neck)
``relabel``         ``IterativeRelabelHook.relabel`` of all ``N_e`` necks
                    (``NCutLabeller``) over the training videos, features
                    cached in memory
``video_epoch``     one epoch of ``model.train_step`` (encoder, both heads,
                    ``L_v``, Adam) over the training videos, features
                    resident in memory
``test``            ``model.test_step`` (predict + grower) over the test
                    queries
=================  =========================================================

Every stage runs in its own child process (``forkserver``: the children fork
from a server that has already imported torch, so they start in
milliseconds), which reports its wall time and its peak memory: the peak
RSS (``ru_maxrss``) and the peak RSS minus the child's RSS before the
stage's model and tensors were made; on CUDA also
``torch.cuda.max_memory_allocated``. Inputs are random (speed does not
depend on content, except the number of k-means iterations).

``--scale F`` runs a fraction ``F`` of the videos and queries; the JSON then
also holds a linear extrapolation to the full dataset, under the key
``extrapolated_full_scale``.

On a CPU the stage processes use one torch thread unless ``--threads``
says otherwise (see :func:`make_plan`); the JSON records the threads and the
load average around each stage.

Usage::

    python tools/analysis/stage_speed.py --scale 0.005 --out quick.json  # ~1-2 min on 2 CPU cores
    python tools/analysis/stage_speed.py --out docs/results/stage_speed_cpu.json  # full scale
    python tools/analysis/stage_speed.py --small --scale 0.003  # tiny dimensions: seconds

As a module: ``measure(['charades'], 'cpu', scale=0.05)`` returns the dict.
"""
import argparse
import copy
import datetime
import json
import math
import multiprocessing as mp
import os
import os.path as osp
import platform
import resource
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config

from dscnet_plugin.utils import cpu_model

_HERE = osp.dirname(osp.abspath(__file__))
if _HERE not in sys.path:  # the sibling tool, and this module by name in the children
    sys.path.insert(0, _HERE)
from relabel_speed import device_name, timed  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

#: Stages, in the order of a DSCNet run.
STAGES = ('language_epoch', 'clustering', 'relabel', 'video_epoch', 'test')

#: The count each stage's cost is proportional to (for the extrapolation).
STAGE_ITEMS = dict(language_epoch='train_queries', clustering='train_queries',
                   relabel='train_videos', video_epoch='train_videos',
                   test='test_queries')

#: Config, full-scale counts and vocabulary size of each dataset.
DATASETS = dict(
    charades=dict(config='configs/dscnet_charades.py', vocab_size=1300,
                  counts=dict(train_videos=5338, train_queries=12408,
                              test_videos=1334, test_queries=3720)),
    activitynet=dict(config='configs/dscnet_activitynet.py', vocab_size=10000,
                     counts=dict(train_videos=10009, train_queries=37421,
                                 test_videos=4885, test_queries=17031)))

#: GloVe 6B 50-d (``KumoGloveVectors``, the configs' word vectors).
WORD_DIM = 50

#: ``--small``: tiny dimensions (same N_e and code path), for tests.
SMALL = dict(vocab_size=50, word_dim=8, model=dict(
    text_encoder=dict(hidden_dim=16, neck_dim=8),
    video_encoder=dict(in_dim=16, embed_dim=16, num_heads=2),
    specific_head=dict(joint_dim=16),
    foreground_head=dict(hidden_dim=8),
    clusterer=dict(num_clusters=4),
    pseudo_labeller=dict(num_iters=10),
    num_frames=16))

MB = 2.0 ** 20


# --------------------------------------------------------------------- plan
@dataclass
class Plan:
    """What one dataset's stages run (picklable: sent to the children).

    Attributes:
        dataset: ``'charades'`` or ``'activitynet'``.
        device: Torch device string.
        scale: Fraction of the videos / queries.
        small: Tiny dimensions (:data:`SMALL`).
        counts: Videos / queries actually used.
        full_counts: Videos / queries of the full dataset.
        settings: Sizes and batch sizes read from the config.
        threads: Torch intra-op threads of the stage processes (None:
            torch's default).
        seed: Seed of the random inputs.
    """

    dataset: str
    device: str
    scale: float
    small: bool
    counts: Dict[str, int]
    full_counts: Dict[str, int]
    settings: Dict[str, Any] = field(default_factory=dict)
    threads: Optional[int] = None
    seed: int = 0


def load_config(dataset: str, small: bool = False) -> Config:
    """The dataset's DSCNet config (shrunk by :data:`SMALL` when ``small``)."""
    cfg = Config.fromfile(str(REPO / DATASETS[dataset]['config']))
    if small:
        cfg.merge_from_dict(dict(model=SMALL['model']))
    return cfg


def hook_cfg(cfg: Config, type_name: str) -> dict:
    """The ``custom_hooks`` entry of ``type_name`` as a plain dict."""
    found = [h for h in cfg.custom_hooks if h['type'] == type_name]
    if len(found) != 1:
        raise KeyError(f'{type_name}: {len(found)} entries in custom_hooks')
    return Config(found[0]).to_dict()


def read_settings(cfg: Config, dataset: str, small: bool) -> Dict[str, Any]:
    """Sizes and batch sizes of a run of ``cfg`` (what the stages use)."""
    from dscnet_plugin.registry import HOOKS
    from dscnet_plugin.utils import build_pinned
    m = cfg.model
    lang = build_pinned(HOOKS, hook_cfg(cfg, 'SemanticClusteringHook'))
    relabel = build_pinned(HOOKS, hook_cfg(cfg, 'IterativeRelabelHook'))
    return dict(
        vocab_size=SMALL['vocab_size'] if small else DATASETS[dataset]['vocab_size'],
        word_dim=SMALL['word_dim'] if small else WORD_DIM,
        max_query_len=int(cfg.max_query_len), num_frames=int(m.num_frames),
        feature_dim=int(m.video_encoder.in_dim), num_necks=int(m.text_encoder.num_necks),
        neck_dim=int(m.text_encoder.neck_dim), hidden_dim=int(m.text_encoder.hidden_dim),
        num_clusters=int(m.clusterer.num_clusters), video_dim=int(m.video_encoder.embed_dim),
        joint_dim=int(m.specific_head.joint_dim),
        ncut_iters=int(m.pseudo_labeller.get('activity', m.pseudo_labeller).num_iters),
        language_batch_size=lang.batch_size, language_lr=lang.lr,
        relabel_batch_size=relabel.batch_size,
        relabel_cache_limit_gb=relabel.cache_limit_gb,
        video_batch_size=int(cfg.train_dataloader.batch_size),
        video_optimizer=Config(cfg.optim_wrapper).to_dict(),
        test_batch_size=int(cfg.test_dataloader.batch_size))


def scaled_counts(full: Dict[str, int], scale: float, min_queries: int) -> Dict[str, int]:
    """``round(scale * n)`` of each count, at least 1 (queries: at least
    ``min_queries``, so k-means has as many points as centres)."""
    if not 0 < scale <= 1:
        raise ValueError(f'scale must be in (0, 1], got {scale}')
    out = {k: max(1, round(v * scale)) for k, v in full.items()}
    out['train_queries'] = max(out['train_queries'], min_queries)
    return out


def make_plan(dataset: str, device: str = 'cpu', scale: float = 1.0,
              small: bool = False, threads: Optional[int] = None, seed: int = 0) -> Plan:
    """The :class:`Plan` of ``dataset`` at ``scale``.

    ``threads`` of the stage processes: by default 1 on a CPU (on a shared
    machine two OpenMP threads stall whenever another process holds a core:
    on the 2-core development machine under load, a language epoch ran 15x
    slower with 2 threads than with 1) and torch's default on a GPU; 0 is
    torch's default everywhere.
    """
    if dataset not in DATASETS:
        raise ValueError(f'dataset must be one of {sorted(DATASETS)}, got {dataset!r}')
    settings = read_settings(load_config(dataset, small), dataset, small)
    full = dict(DATASETS[dataset]['counts'])
    if threads is None:
        threads = 1 if torch.device(device).type == 'cpu' else 0
    return Plan(dataset, device, scale, small, scaled_counts(full, scale, settings['num_clusters']),
                full, settings, threads or None, seed)


# -------------------------------------------------------------- the model
class RandomWordVectors:
    """Stand-in for GloVe: a random ``d_w`` vector for every word.

    Args:
        dim: ``d_w``.
        seed: Seed of the vectors.
    """

    def __init__(self, dim: int, seed: int = 0) -> None:
        self.dim = dim
        self.seed = seed

    def lookup(self, words: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
        """``(N x d_w float32 vectors, (N,) bool all True)``."""
        rng = np.random.default_rng(self.seed)
        vectors = rng.standard_normal((len(words), self.dim)).astype(np.float32) * 0.4
        return vectors, np.ones(len(words), dtype=bool)


def build_model(plan: Plan) -> torch.nn.Module:
    """The config's DSCNet with a random vocabulary of the dataset's size,
    on ``plan.device``."""
    from dscnet_plugin.datasets.text import Vocabulary
    from dscnet_plugin.registry import MODELS
    from dscnet_plugin.utils import build_pinned
    model_cfg = load_config(plan.dataset, plan.small).model.to_dict()
    s = plan.settings
    model_cfg.update(
        vocabulary=Vocabulary([f'w{i}' for i in range(s['vocab_size'] - 2)]),
        word_vectors=RandomWordVectors(s['word_dim'], plan.seed))
    torch.manual_seed(plan.seed)
    return build_pinned(MODELS, model_cfg).to(plan.device)


def build_hook(plan: Plan, type_name: str, **overrides) -> Any:
    """The config's ``type_name`` hook (``overrides`` applied)."""
    from dscnet_plugin.registry import HOOKS
    from dscnet_plugin.utils import build_pinned
    cfg = hook_cfg(load_config(plan.dataset, plan.small), type_name)
    return build_pinned(HOOKS, dict(cfg, **overrides))


# ------------------------------------------------------------ the inputs
def random_queries(num: int, plan: Plan) -> Tuple[torch.Tensor, torch.Tensor]:
    """``num x L`` token ids (0 = padding) and ``num x L`` bool mask of
    queries of random length in ``[L // 2, L]``."""
    s, gen = plan.settings, torch.Generator().manual_seed(plan.seed)
    length = s['max_query_len']
    lengths = torch.randint(max(1, length // 2), length + 1, (num, 1), generator=gen)
    mask = torch.arange(length) < lengths
    tokens = torch.randint(2, s['vocab_size'], (num, length), generator=gen) * mask
    return tokens.to(plan.device), mask.to(plan.device)


def random_videos(num: int, plan: Plan) -> Tuple[torch.Tensor, torch.Tensor]:
    """``num x T x D`` features in ``[0, 1)`` and the ``num x T`` mask (all
    real: resampled features fill ``T``), made on the device."""
    s = plan.settings
    gen = torch.Generator(device=plan.device).manual_seed(plan.seed)
    feats = torch.rand(num, s['num_frames'], s['feature_dim'], generator=gen,
                       device=plan.device)
    return feats, torch.ones(num, s['num_frames'], dtype=torch.bool, device=plan.device)


def samples(num: int, seed: int = 0) -> list:
    """``num`` data samples with ``video_index`` ``0..num-1`` and a random
    duration (seconds)."""
    from dscnet_plugin.structures import GroundingDataSample
    durations = np.random.default_rng(seed).uniform(20.0, 200.0, num)
    return [GroundingDataSample(metainfo=dict(video_index=i, duration=float(d)))
            for i, d in enumerate(durations)]


def nbytes(*tensors: torch.Tensor) -> int:
    """Total bytes of ``tensors``."""
    return sum(t.numel() * t.element_size() for t in tensors)


class RandomVideoSet:
    """Dataset stand-in for ``IterativeRelabelHook``: item ``j`` is a packed
    training video (``T x D`` random features, all-real mask), drawn when
    read, so the hook's feature cache is the only copy.

    Args:
        num: Videos.
        plan: Sizes and seed.
    """

    def __init__(self, num: int, plan: Plan) -> None:
        self.num, self.plan = num, plan
        self.samples = samples(num, plan.seed)

    def __len__(self) -> int:
        return self.num

    def __getitem__(self, j: int) -> dict:
        s = self.plan.settings
        gen = torch.Generator().manual_seed(self.plan.seed + j)
        feats = torch.rand(s['num_frames'], s['feature_dim'], generator=gen)
        return dict(inputs=dict(video_feature=feats,
                                video_mask=torch.ones(s['num_frames'], dtype=torch.bool)),
                    data_samples=self.samples[j])


# ------------------------------------------------------------- the stages
StageResult = Dict[str, Any]


def stage_language_epoch(plan: Plan) -> StageResult:
    """One epoch of ``L_w`` training of the text module (Adam, the hook's
    batch size and learning rate) over the training queries."""
    model = build_model(plan)
    tokens, mask = random_queries(plan.counts['train_queries'], plan)
    hook = build_hook(plan, 'SemanticClusteringHook', epochs=1)
    bs = hook.batch_size
    # warm-up (first-call imports and kernels of the loss and of Adam)
    params = [p for p in model.text_encoder.parameters() if p.requires_grad]
    sum(model.language_loss(tokens[:bs], mask[:bs]).values()).backward()
    torch.optim.Adam(params, lr=0.0).step()
    model.zero_grad(set_to_none=True)
    seconds = timed(lambda: hook.train_language(model, tokens, mask), torch.device(plan.device))
    return dict(time_s=seconds, steps=math.ceil(tokens.size(0) / bs),
                resident_bytes=nbytes(tokens, mask))


def stage_clustering(plan: Plan) -> StageResult:
    """Necks of every training query, then k-means of each neck."""
    model = build_model(plan).eval()
    tokens, mask = random_queries(plan.counts['train_queries'], plan)
    hook = build_hook(plan, 'SemanticClusteringHook')
    model.extract_necks(tokens[:8], mask[:8])  # warm-up
    out = {}
    seconds = timed(lambda: out.update(centers=hook.cluster(model, tokens, mask)),
                    torch.device(plan.device))
    return dict(time_s=seconds, steps=math.ceil(tokens.size(0) / 1024),
                resident_bytes=nbytes(tokens, mask, out['centers']))


def stage_relabel(plan: Plan) -> StageResult:
    """``IterativeRelabelHook.relabel`` of every neck (a relabelling pass
    after training; the initial pass makes one centre-free cut per video
    instead of ``N_e x N_c``), the features already in the hook's cache.

    The cache is forced on; ``cache_within_config_limit`` says whether the
    config's ``cache_limit_gb`` would keep it (if not, a real run re-reads
    the features for each relabelling, which is not measured here).
    """
    model = build_model(plan)
    s, n = plan.settings, plan.counts['train_videos']
    model.set_centers(torch.randn(s['num_necks'], s['num_clusters'], s['neck_dim']))
    model.init_label_bank(n)
    hook = build_hook(plan, 'IterativeRelabelHook', cache_features=True,
                      cache_limit_gb=float('inf'))
    runner = SimpleNamespace(model=model, train_dataloader=SimpleNamespace(
        dataset=RandomVideoSet(n, plan)))
    batches = hook._batches(runner, torch.device(plan.device))  # load once: the cache
    feats, mask, _ = batches[0]
    model.eval()
    model.compute_labels(feats[:2], mask[:2], [0])  # warm-up
    necks = list(range(s['num_necks']))
    seconds = timed(lambda: hook.relabel(runner, necks), torch.device(plan.device))
    cache = sum(nbytes(*b) for b in batches)
    return dict(time_s=seconds, steps=len(batches),
                resident_bytes=cache + nbytes(model.pseudo_labels),
                cache_within_config_limit=cache <= s['relabel_cache_limit_gb'] * 2**30)


def stage_video_epoch(plan: Plan) -> StageResult:
    """One epoch of ``model.train_step`` (neck 0) over the training videos in
    random order, the features resident on the device."""
    from mmengine.optim import build_optim_wrapper
    model = build_model(plan).train()
    s, n = plan.settings, plan.counts['train_videos']
    model.set_centers(torch.randn(s['num_necks'], s['num_clusters'], s['neck_dim']))
    model.init_label_bank(n)
    model.pseudo_labels.copy_(torch.rand(model.pseudo_labels.shape) < 0.3)
    feats, mask = random_videos(n, plan)
    optim = build_optim_wrapper(model, copy.deepcopy(s['video_optimizer']))
    items = samples(n, plan.seed)
    bs = s['video_batch_size']

    def step(idx: torch.Tensor) -> None:
        model.train_step(dict(inputs=dict(video_feature=feats[idx], video_mask=mask[idx]),
                              data_samples=[items[i] for i in idx.tolist()]), optim)

    def epoch() -> None:
        order = torch.randperm(n, generator=torch.Generator().manual_seed(plan.seed))
        for idx in order.to(plan.device).split(bs):
            step(idx)

    step(torch.arange(min(bs, n), device=plan.device))  # warm-up
    seconds = timed(epoch, torch.device(plan.device))
    return dict(time_s=seconds, steps=math.ceil(n / bs),
                resident_bytes=nbytes(feats, mask, model.pseudo_labels))


def stage_test(plan: Plan) -> StageResult:
    """``model.test_step`` over the test queries in order (each query with
    its video's features; the test videos resident on the device)."""
    model = build_model(plan).eval()
    n_videos, n_queries = plan.counts['test_videos'], plan.counts['test_queries']
    feats, mask = random_videos(n_videos, plan)
    tokens, qmask = random_queries(n_queries, plan)
    video_of = torch.randint(n_videos, (n_queries,),
                             generator=torch.Generator().manual_seed(plan.seed))
    items = samples(n_queries, plan.seed)
    bs = plan.settings['test_batch_size']

    def batch(q: torch.Tensor) -> None:
        v = video_of[q].to(plan.device)
        qd = q.to(plan.device)
        model.test_step(dict(inputs=dict(video_feature=feats[v], video_mask=mask[v],
                                         query_tokens=tokens[qd], query_mask=qmask[qd]),
                             data_samples=[items[i] for i in q.tolist()]))

    batch(torch.arange(min(2, n_queries)))  # warm-up
    seconds = timed(lambda: [batch(q) for q in torch.arange(n_queries).split(bs)],
                    torch.device(plan.device))
    return dict(time_s=seconds, steps=math.ceil(n_queries / bs),
                resident_bytes=nbytes(feats, mask, tokens, qmask))


STAGE_FNS: Dict[str, Callable[[Plan], StageResult]] = dict(
    language_epoch=stage_language_epoch, clustering=stage_clustering,
    relabel=stage_relabel, video_epoch=stage_video_epoch, test=stage_test)


# ----------------------------------------------------- isolated execution
def max_rss_mb() -> float:
    """Peak RSS of this process so far (MiB; ``ru_maxrss`` is KiB on Linux,
    bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / MB if sys.platform == 'darwin' else rss / 1024.0


def run_stage(stage: str, plan: Plan) -> StageResult:
    """Run ``stage`` in this process and measure it.

    Returns:
        The stage's ``time_s``, ``steps``, ``items`` (what the cost is
        proportional to), ``resident_data_mb`` (its inputs, caches and
        label bank), ``baseline_rss_mb`` (peak RSS before the stage made
        anything), ``peak_rss_mb`` (absolute), ``peak_rss_delta_mb`` (the
        difference), ``setup_and_run_s`` (input generation included),
        ``threads``, ``loadavg_before`` / ``loadavg_after`` (the 1-minute
        load average: other processes slow a stage down) and, on CUDA,
        ``cuda_peak_mb`` (``max_memory_allocated``).
    """
    from dscnet_plugin.utils import set_quiet
    from mmengine.logging import MMLogger
    set_quiet(True)
    if plan.threads is not None:
        torch.set_num_threads(plan.threads)
    MMLogger.get_instance('stage_speed', log_level='WARNING')  # the current logger
    device = torch.device(plan.device)
    if device.type == 'cuda':
        torch.cuda.init()
        torch.cuda.reset_peak_memory_stats(device)
    baseline, load = max_rss_mb(), os.getloadavg()[0]
    start = time.perf_counter()
    out = STAGE_FNS[stage](plan)
    total = time.perf_counter() - start
    peak = max_rss_mb()
    result = dict(time_s=out['time_s'], steps=out['steps'],
                  items=plan.counts[STAGE_ITEMS[stage]],
                  resident_data_mb=out['resident_bytes'] / MB,
                  baseline_rss_mb=baseline, peak_rss_mb=peak,
                  peak_rss_delta_mb=peak - baseline, setup_and_run_s=total,
                  threads=torch.get_num_threads(), loadavg_before=load,
                  loadavg_after=os.getloadavg()[0],
                  **{k: v for k, v in out.items() if k not in ('time_s', 'steps',
                                                                 'resident_bytes')})
    if device.type == 'cuda':
        result['cuda_peak_mb'] = torch.cuda.max_memory_allocated(device) / MB
    return result


def _child(conn, stage: str, plan: Plan) -> None:
    """Child process body: send ``run_stage``'s dict (or the traceback)."""
    try:
        conn.send(('ok', run_stage(stage, plan)))
    except BaseException:  # noqa: B902 - reported to the parent
        conn.send(('error', traceback.format_exc()))
    finally:
        conn.close()


def _context():
    """``forkserver`` (children fork from a server with torch imported)
    where available, else ``spawn``: never a plain fork of a process whose
    torch may already hold threads."""
    if 'forkserver' in mp.get_all_start_methods():
        ctx = mp.get_context('forkserver')
        ctx.set_forkserver_preload(['torch', 'mmengine', 'dscnet_plugin.models',
                                    'dscnet_plugin.engine', __name__])
        return ctx
    return mp.get_context('spawn')


def run_isolated(stage: str, plan: Plan) -> StageResult:
    """:func:`run_stage` in a fresh child process (its own peak RSS).

    Raises:
        RuntimeError: The stage failed or its process died (e.g. killed
            when out of memory).
    """
    ctx = _context()
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, stage, plan), daemon=True)
    proc.start()
    send.close()
    try:
        status, payload = recv.recv()
    except EOFError:
        proc.join()
        raise RuntimeError(f'{plan.dataset} {stage}: the process died '
                           f'(exit code {proc.exitcode})') from None
    proc.join()
    if status != 'ok':
        raise RuntimeError(f'{plan.dataset} {stage} failed:\n{payload}')
    return payload


# ---------------------------------------------------------------- results
def extrapolate(stages: Dict[str, StageResult], plan: Plan) -> Dict[str, Any]:
    """Linear extrapolation of measured stages to the full dataset.

    A stage's time scales with its item count (``STAGE_ITEMS``) by the
    factor ``full / used``; its resident data too; its working memory
    (peak delta minus resident data: model, optimiser, batch activations)
    is kept as measured.
    """
    out: Dict[str, Any] = dict(
        note='EXTRAPOLATED, not measured: time and resident data scaled linearly '
             'by factor = full items / measured items; peak delta = measured working '
             'memory (peak delta - resident data) + resident data x factor')
    for name, r in stages.items():
        key = STAGE_ITEMS[name]
        factor = plan.full_counts[key] / plan.counts[key]
        working = max(0.0, r['peak_rss_delta_mb'] - r['resident_data_mb'])
        out[name] = dict(factor=factor, time_s=r['time_s'] * factor,
                         resident_data_mb=r['resident_data_mb'] * factor,
                         peak_rss_delta_mb=working + r['resident_data_mb'] * factor)
    out['total_time_s'] = sum(v['time_s'] for k, v in out.items() if k in stages)
    return out


def measure_dataset(dataset: str, device: str = 'cpu', scale: float = 1.0,
                    small: bool = False, stages: Sequence[str] = STAGES,
                    threads: Optional[int] = None,
                    on_stage: Optional[Callable[[Dict[str, Any]], None]] = None,
                    ) -> Dict[str, Any]:
    """Measure ``stages`` of ``dataset``, each in its own process.

    Args:
        dataset: ``'charades'`` or ``'activitynet'``.
        device: Torch device string.
        scale: Fraction of the videos / queries (1.0: full scale).
        small: Tiny dimensions (:data:`SMALL`), for tests.
        stages: Stages to run (of :data:`STAGES`).
        threads: Torch threads of the stage processes (see :class:`Plan`).
        on_stage: Called with the partial result after every stage.

    Returns:
        ``config``, ``scale``, ``small``, ``threads``, ``counts``, ``full_counts``,
        ``settings``, ``stages`` (``{stage: run_stage dict}``),
        ``total_time_s``, ``wall_s`` and, when ``scale < 1``,
        ``extrapolated_full_scale`` (see :func:`extrapolate`).
    """
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise ValueError(f'unknown stages {sorted(unknown)}; known: {STAGES}')
    start = time.perf_counter()
    plan = make_plan(dataset, device, scale, small, threads)
    result: Dict[str, Any] = dict(config=DATASETS[dataset]['config'], scale=scale, small=small,
                                  threads=plan.threads or torch.get_num_threads(),
                                  counts=plan.counts, full_counts=plan.full_counts,
                                  settings=plan.settings, stages={})
    for stage in stages:
        result['stages'][stage] = run_isolated(stage, plan)
        result['total_time_s'] = sum(r['time_s'] for r in result['stages'].values())
        if plan.counts != plan.full_counts:
            result['extrapolated_full_scale'] = extrapolate(result['stages'], plan)
        result['wall_s'] = time.perf_counter() - start
        if on_stage is not None:
            on_stage(result)
    return result




def environment(device: str) -> Dict[str, Any]:
    """Device name, torch version, CPU count and date of a measurement."""
    dev = torch.device(device)
    return dict(date=datetime.datetime.now().astimezone().isoformat(timespec='seconds'),
                device=device, device_name=device_name(dev), cpu_model=cpu_model(),
                torch=torch.__version__, cpu_count=os.cpu_count(),
                python=platform.python_version(),
                isolation='one child process per stage (' + _context().get_start_method() + ')')


def measure(datasets: Sequence[str] = ('charades', 'activitynet'), device: str = 'cpu',
            scale: float = 1.0, small: bool = False, stages: Sequence[str] = STAGES,
            threads: Optional[int] = None,
            on_stage: Optional[Callable[[Dict[str, Any]], None]] = None) -> Dict[str, Any]:
    """Measure every dataset of ``datasets``.

    Returns:
        ``{'environment': environment(device), 'scale': scale,
        'datasets': {name: measure_dataset(...)}, 'wall_s': seconds}``;
        ``on_stage`` gets this dict (partial) after every stage.
    """
    start = time.perf_counter()
    out: Dict[str, Any] = dict(environment=environment(device), scale=scale, datasets={})

    def update(partial: Dict[str, Any], name: str) -> None:
        out['datasets'][name] = partial
        out['wall_s'] = time.perf_counter() - start
        if on_stage is not None:
            on_stage(out)

    for name in datasets:
        out['datasets'][name] = measure_dataset(
            name, device, scale, small, stages, threads, lambda r, n=name: update(r, n))
    out['wall_s'] = time.perf_counter() - start
    return out


# -------------------------------------------------------------------- CLI
def write_json(result: Dict[str, Any], path: str) -> None:
    """Write ``result`` to ``path`` (through a temporary file)."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        json.dump(result, f, indent=2)
    os.replace(tmp, path)


def table(result: Dict[str, Any]) -> List[str]:
    """Lines of a summary table: per dataset and stage, the measured time
    and memory and, when scaled, the extrapolated full-scale time."""
    lines = [f"{'dataset':<12}{'stage':<16}{'items':>8}{'time s':>10}{'peak MB':>10}"
             f"{'delta MB':>10}{'full s (extrap.)':>18}"]
    for name, d in result['datasets'].items():
        ext = d.get('extrapolated_full_scale', {})
        for stage, r in d['stages'].items():
            full = f"{ext[stage]['time_s']:.1f}" if stage in ext else '-'
            lines.append(f"{name:<12}{stage:<16}{r['items']:>8}{r['time_s']:>10.2f}"
                         f"{r['peak_rss_mb']:>10.0f}{r['peak_rss_delta_mb']:>10.0f}{full:>18}")
    return lines


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dataset', choices=('charades', 'activitynet', 'both'),
                        default='both')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--scale', type=float, default=1.0,
                        help='fraction of the videos / queries (1.0: full scale)')
    parser.add_argument('--small', action='store_true',
                        help='tiny model / feature dimensions (a quick check)')
    parser.add_argument('--stages', nargs='+', choices=STAGES, default=list(STAGES))
    parser.add_argument('--threads', type=int,
                        help="torch threads per stage process (default: 1 on a CPU, "
                             "torch's default on a GPU; 0: torch's default)")
    parser.add_argument('--out', help='write the results as JSON here (after every stage)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    datasets = ('charades', 'activitynet') if args.dataset == 'both' else (args.dataset,)
    save = (lambda r: write_json(r, args.out)) if args.out else None
    result = measure(datasets, args.device, args.scale, args.small, args.stages, args.threads,
                     save)
    if args.out:
        write_json(result, args.out)
    print('\n'.join(table(result)))
    print(f"total wall time {result['wall_s']:.1f} s on {result['environment']['device_name']}")
    return result


if __name__ == '__main__':
    # run as the named module ``stage_speed``, so the functions the children
    # unpickle resolve to the same module whether it was imported or run
    import stage_speed
    stage_speed.main()
