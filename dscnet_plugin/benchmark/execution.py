"""One benchmark run in this process: build its config, train and / or
evaluate it through the mmengine Runner, and keep its ``result.json``
(reused while its signature — run spec, config text, feature manifest —
does not change)."""
import contextlib
import dataclasses
import gc
import hashlib
import json
import os
import os.path as osp
import time
from typing import Any, Dict, Iterator, List, Optional

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from ..engine.hooks.evaluation_recorder_hook import EvaluationRecorder
from ..utils import atomic_text
from .inputs import prepare_inputs
from .locations import BENCH_DIR
from .plan import Run
from .run_config import build_run_config, required_hook
from .specs import DATASETS_SPECS


@contextlib.contextmanager
def isolated(log_path: str) -> Iterator[None]:
    """Send the console output of a run to ``log_path`` and restore the
    default scopes afterwards."""
    saved_scopes = DefaultScope._instance_dict.copy()
    os.makedirs(osp.dirname(log_path), exist_ok=True)
    with open(log_path, 'a', encoding='utf-8') as log, \
            contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        try:
            yield
        finally:
            DefaultScope._instance_dict.clear()
            DefaultScope._instance_dict.update(saved_scopes)


def close_logger(name: str) -> None:
    """Close and remove the handlers of the mmengine logger ``name``."""
    if not MMLogger.check_instance_created(name):
        return
    logger = MMLogger.get_instance(name)
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


def train_and_evaluate(cfg: Config, test_after: bool,
                       trains: bool = True) -> List[Dict[str, Any]]:
    """Train ``cfg`` (validation at the end, or as configured), then test
    when ``test_after``; returns the recorded evaluations. With nothing to
    train (``trains=False``) only the evaluations run: validation when
    ``cfg`` has a validation split, then the test."""
    recorder = EvaluationRecorder()
    runner = Runner.from_cfg(cfg)
    try:
        runner.register_hook(recorder)
        if trains:
            runner.train()
        elif cfg.get('val_dataloader'):
            runner.val()
        if test_after or not trains:
            runner.test()
    finally:
        close_logger(runner.experiment_name)
        del runner
        gc.collect()
    return recorder.evaluations


def split_tables(run: Run, evaluations: List[Dict[str, Any]]) -> Dict[str, Dict[str, dict]]:
    """``{split: table}``: the last validation is the first split of the
    dataset, the last test (if any) the second; a run with nothing to train
    on a one-split dataset only tests."""
    splits = DATASETS_SPECS[run.dataset].splits
    modes = ('test',) if len(splits) == 1 and not run.trains else ('val', 'test')
    out = {}
    for split, mode in zip(splits, modes):
        found = [e for e in evaluations if e['mode'] == mode]
        if found:
            out[split] = found[-1]['table'] or {run.name: found[-1]['metrics']}
    return out


def iteration_metrics(evaluations: List[Dict[str, Any]], necks: int,
                      per_stage: int) -> Dict[int, dict]:
    """``{L: metrics}`` of the validations done after each iteration."""
    stage = necks * per_stage
    return {e['epoch'] // stage: e['metrics'] for e in evaluations
            if e['mode'] == 'val' and e['epoch'] % stage == 0}


def run_signature(run: Run, features: str) -> str:
    """Digest of the run and of what it reads (config text, features)."""
    with open(run.config, 'rb') as f:
        config = f.read()
    with open(features + '.json', 'rb') as f:
        manifest = f.read()
    payload = json.dumps(dataclasses.asdict(run), sort_keys=True, default=str).encode()
    return hashlib.sha1(payload + config + manifest).hexdigest()


def work_dir_of(run: Run) -> str:
    """The folder of ``run``'s logs, checkpoint and ``result.json``."""
    return osp.join(BENCH_DIR, 'runs', run.key)


def cached_result(run: Run, signature: str) -> Optional[Dict[str, Any]]:
    """The earlier result of ``run`` if its signature still matches."""
    path = osp.join(work_dir_of(run), 'result.json')
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        old = json.load(f)
    return dict(old, reused=True) if old.get('signature') == signature else None


def execute(run: Run, reuse: bool = False) -> Dict[str, Any]:
    """Train and evaluate ``run`` in this process and write its
    ``result.json`` (or return the earlier one when ``reuse`` and nothing
    changed)."""
    data_root, features = prepare_inputs(run)
    signature = run_signature(run, features)
    cached = cached_result(run, signature) if reuse else None
    if cached is not None:
        return cached
    work_dir = work_dir_of(run)
    cfg = build_run_config(run, data_root, features, work_dir)
    start, cpu_start = time.perf_counter(), time.process_time()
    with isolated(osp.join(work_dir, 'console.log')):
        evaluations = train_and_evaluate(cfg, len(DATASETS_SPECS[run.dataset].splits) > 1,
                                         run.trains)
    result = dict(run=dataclasses.asdict(run), key=run.key, signature=signature,
                  data_root=data_root, features=features, threads=torch.get_num_threads(),
                  train_eval_s=time.perf_counter() - start,
                  train_eval_cpu_s=time.process_time() - cpu_start,
                  tables=split_tables(run, evaluations),
                  iterations=iteration_metrics(
                      evaluations, int(cfg.model.text_encoder.num_necks),
                      int(required_hook(cfg, 'IterativeRelabelHook').get('epochs_per_stage', 1)))
                  if run.eval_each_iteration else {},
                  evaluations=evaluations, reused=False)
    atomic_text(osp.join(work_dir, 'result.json'), json.dumps(result, indent=1, default=str))
    return result
