"""Keep one run's checkpoints per work dir.

A fresh run into a work dir that holds another config's checkpoints would
write its own beside them and move ``last_checkpoint``, and a later
``--resume`` of either run would continue the other one (or crash on the
optimizer's parameter groups). :func:`check_work_dir_config` compares the
config about to be trained with the config of the checkpoint a resume would
continue from (its ``meta['cfg']``, read by
:func:`~dscnet_plugin.engine.config_diff.parse_config_text`, never
executed), before anything is built or written.
"""
import os.path as osp
from typing import Any, Dict, Optional

from mmengine.config import Config
from mmengine.logging import print_log

from ..datasets import DataFileError
from ..utils import safe_torch_load
from .config_diff import config_differences, describe_differences, parse_config_text
from .hooks import latest_complete_checkpoint
from .work_dir_lock import WorkDirError


def checkpoint_config(path: str) -> Optional[Dict[str, Any]]:
    """The config a checkpoint was trained with, as plain values, or
    ``None`` (with a log line) when it holds none that can be read. The
    file is read by :func:`~dscnet_plugin.utils.safe_torch_load`."""
    try:
        ckpt = safe_torch_load(path)
        text = ckpt.get('meta', {}).get('cfg') if isinstance(ckpt, dict) else None
        if isinstance(text, str):
            return parse_config_text(text)
        why = 'holds no config (meta.cfg)'
    except (DataFileError, SyntaxError) as e:  # the Runner reports a bad file when loading it
        why = f'cannot be read ({e})'
    print_log(f'{path} {why}: its config is not compared with this run\'s',
              logger='current', level=30)
    return None


def check_work_dir_config(cfg: Config) -> None:
    """Refuse to train ``cfg`` into a work dir holding another config's run.

    - ``cfg.resume`` with ``cfg.load_from``: the checkpoint's config must
      equal ``cfg`` (training fields, see
      :func:`~dscnet_plugin.engine.config_diff.training_fields`);
    - a fresh run: if the work dir holds a complete checkpoint, its config
      must equal ``cfg``; an equal one is logged (the new run writes over
      those checkpoints).

    Raises:
        WorkDirError: naming the work dir or checkpoint, the first differing
            keys and the ways out.
    """
    work_dir = cfg.work_dir
    resume = bool(cfg.get('resume')) and cfg.get('load_from') is not None
    ckpt = cfg.load_from if resume else latest_complete_checkpoint(work_dir)
    if ckpt is None or not osp.isfile(ckpt):
        return  # nothing to compare (a missing resume file is the Runner's error)
    old = checkpoint_config(ckpt)
    if old is None:
        return
    diffs = config_differences(old, cfg.to_dict())
    if resume and diffs:
        raise WorkDirError(
            f'--resume: {ckpt} was trained with another config, which differs in '
            f'{describe_differences(diffs)}. Resume with the config it was trained '
            'with, or train this one as a fresh run with a new --work-dir')
    if diffs:
        raise WorkDirError(
            f'{work_dir} holds checkpoints of another config (latest: '
            f'{osp.basename(ckpt)}), which differs in {describe_differences(diffs)}. '
            'A fresh run there would mix the two runs\' checkpoints: pass a new '
            '--work-dir to train this config apart, or --resume to continue the '
            'earlier run with its own config')
    if not resume:
        print_log(f'{work_dir} holds checkpoints of this same config (latest: '
                  f'{osp.basename(ckpt)}); this fresh run writes over them '
                  '(--resume would continue from them instead)', logger='current')
