"""The console filter: mmengine's dumps stay in the log file only."""
import logging

import pytest
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from dscnet_plugin.engine import QuietConsoleRunner, build_runner
from dscnet_plugin.utils import quiet_console
from dscnet_plugin.utils.console_log import CONSOLE_HIDDEN, ConsoleFilter


def test_console_drops_the_dumps_and_the_file_keeps_them(tmp_path, capsys):
    log_file = tmp_path / 'run.log'
    logger = MMLogger.get_instance('test_console_log', log_file=str(log_file))
    try:
        assert quiet_console(quiet_console(logger)) is logger
        console = [h for h in logger.handlers if not isinstance(h, logging.FileHandler)]
        assert [sum(isinstance(f, ConsoleFilter) for f in h.filters) for h in console] == [1]
        files = [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
        assert [[f for f in h.filters if isinstance(f, ConsoleFilter)] for h in files] == [[]]
        for prefix in CONSOLE_HIDDEN:
            logger.info(prefix + 'hidden')
        logger.info('[video] iteration 1/2, neck 1/4')
        logger.info('a line mentioning Config: inside')
    finally:
        for handler in files:
            handler.close()
            logger.removeHandler(handler)
    out = capsys.readouterr().out
    assert 'hidden' not in out
    assert '[video] iteration 1/2, neck 1/4' in out and 'mentioning Config: inside' in out
    text = log_file.read_text(encoding='utf-8')
    assert text.count('hidden') == len(CONSOLE_HIDDEN) == 8
    assert '[video] iteration 1/2, neck 1/4' in text


@pytest.mark.parametrize('runner_type', ['QuietConsoleRunner', None])
def test_build_runner_takes_the_runner_type(tmp_path, runner_type):
    # a name of its own: the Runner's logger is a named global instance
    cfg = Config(dict(model=dict(type='PredictAllPrior'), work_dir=str(tmp_path),
                      default_scope='dscnet_plugin', experiment_name=f'console_{runner_type}'))
    if runner_type:
        cfg.runner_type = runner_type
    saved = DefaultScope._instance_dict.copy()
    try:
        runner = build_runner(cfg)
    finally:
        DefaultScope._instance_dict.clear()
        DefaultScope._instance_dict.update(saved)
    for handler in [h for h in runner.logger.handlers if isinstance(h, logging.FileHandler)]:
        handler.close()
        runner.logger.removeHandler(handler)
    assert type(runner) is (QuietConsoleRunner if runner_type else Runner)
    filtered = [any(isinstance(f, ConsoleFilter) for f in h.filters)
                for h in runner.logger.handlers]
    assert filtered == [bool(runner_type)]  # the console handler (the file one is closed)
