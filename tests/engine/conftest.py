"""Fixtures of the training-loop tests: tiny DSCNet runs in ``tmp_path``.

The tiny config and the :class:`~tests.engine.tiny_config.Probe` hook live
in ``tiny_config.py`` (``tests/tools/test_train_demo.py`` uses them too).
"""
import copy
import logging
from pathlib import Path
from typing import Any, Callable, List

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope

from .tiny_config import DEMO_CONFIG, make_tiny_cfg


@pytest.fixture
def restore_default_scope():
    saved = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(saved)


@pytest.fixture
def restore_torch_state():
    """``randomness`` (seed, ``deterministic``) sets process-wide torch state."""
    det = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    rng = torch.get_rng_state()
    threads = torch.get_num_threads()
    # the models are tiny: intra-op threads only contend with each other
    # (and with other processes) and make a run several times slower
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(det, warn_only=warn_only)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn
    torch.set_rng_state(rng)


@pytest.fixture(scope='session')
def tiny_data_root(tmp_path_factory) -> Path:
    """One data root for the session: the generator writes it once."""
    return tmp_path_factory.mktemp('tiny_demo_data')


@pytest.fixture
def tiny_cfg(tiny_data_root, tmp_path) -> Callable[..., Config]:
    """Factory: ``tiny_cfg(name='run')`` -> a fresh tiny config whose work
    dir is ``tmp_path / name``."""

    def make(name: str = 'run', config: Path = DEMO_CONFIG) -> Config:
        return make_tiny_cfg(tiny_data_root, tmp_path / name, config)

    return make


@pytest.fixture
def fast_pretty_text(monkeypatch):
    """Memoise ``Config.pretty_text``: mmengine formats the (large,
    interpolated) config with yapf at start-up and in every checkpoint,
    ~0.3 s each; the text is the same for the same config."""
    original = Config.pretty_text.fget
    cache = {}

    def pretty_text(self):
        key = (self.filename, repr(self._cfg_dict))
        if key not in cache:
            cache[key] = original(self)
        return cache[key]

    monkeypatch.setattr(Config, 'pretty_text', property(pretty_text))


@pytest.fixture
def build_runner(restore_default_scope, restore_torch_state,
                 fast_pretty_text) -> Callable[..., Any]:
    """Factory: ``build_runner(cfg, *hooks)`` -> a Runner with the probe
    hooks registered. Each runner gets its own experiment name (mmengine's
    logger / message hub / visualizer are global by name, and two runners
    started in the same second would otherwise share them); their log files
    are closed at teardown."""
    from mmengine.runner import Runner
    made: List[Any] = []

    def build(cfg: Config, *hooks):
        cfg = copy.deepcopy(cfg)
        cfg.experiment_name = f'{Path(cfg.work_dir).name}_{len(made)}_{id(cfg)}'
        runner = Runner.from_cfg(cfg)
        for hook in hooks:
            runner.register_hook(hook)
        made.append(runner)
        return runner

    yield build
    for runner in made:
        logger = MMLogger.get_instance(runner.experiment_name)
        for handler in list(logger.handlers):
            if isinstance(handler, logging.FileHandler):
                handler.close()
                logger.removeHandler(handler)


@pytest.fixture
def log_text() -> Callable[[Any], str]:
    """Factory: ``log_text(runner)`` -> the text of the runner's log file."""

    def read(runner) -> str:
        for handler in MMLogger.get_instance(runner.experiment_name).handlers:
            handler.flush()
        return Path(runner.log_dir, f'{runner.timestamp}.log').read_text(encoding='utf-8')

    return read
