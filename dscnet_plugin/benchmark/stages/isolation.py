"""Every stage in its own child process, which reports its wall time and
its peak memory.

The children fork from a ``forkserver`` that has already imported torch
and this package, so they start in milliseconds and never inherit the
threads of the parent's torch. A child reports the peak RSS
(``ru_maxrss``), the peak RSS minus its RSS before the stage's model and
tensors were made and, on CUDA, ``torch.cuda.max_memory_allocated``.
"""
import multiprocessing as mp
import os
import time
import traceback
from multiprocessing.context import BaseContext

import torch

from dscnet_plugin.benchmark.meters import MB, max_rss_mb
from dscnet_plugin.benchmark.stages.plan import STAGE_ITEMS, Plan
from dscnet_plugin.benchmark.stages.stages import STAGE_FNS, StageResult


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
    extra = {k: v for k, v in out.items() if k not in ('time_s', 'steps', 'resident_bytes')}
    result = dict(time_s=out['time_s'], steps=out['steps'],
                  items=plan.counts[STAGE_ITEMS[stage]],
                  resident_data_mb=out['resident_bytes'] / MB,
                  baseline_rss_mb=baseline, peak_rss_mb=peak,
                  peak_rss_delta_mb=peak - baseline, setup_and_run_s=total,
                  threads=torch.get_num_threads(), loadavg_before=load,
                  loadavg_after=os.getloadavg()[0], **extra)
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


def stage_context() -> BaseContext:
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
    ctx = stage_context()
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
