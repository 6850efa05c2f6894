"""The Runner of the plugin's configs: a console that shows the run."""
from typing import Optional, Union

from mmengine.config import Config, ConfigDict
from mmengine.logging import MMLogger
from mmengine.runner import Runner

from ..registry import RUNNERS
from ..utils.console_log import quiet_console
from ..utils.early_log import write_early_records


@RUNNERS.register_module()
class QuietConsoleRunner(Runner):
    """:class:`mmengine.runner.Runner` whose console shows the stages, the
    losses and the results: the environment, the config dump, the hook order
    and the per-epoch experiment name go to the work dir's log file
    (``<work_dir>/<timestamp>/<timestamp>.log``) only, see
    :mod:`dscnet_plugin.utils.console_log`. Selected by
    ``runner_type = 'QuietConsoleRunner'`` (``configs/_base_/default_runtime.py``)
    and built by :func:`build_runner`."""

    def build_logger(self, log_level: Union[int, str] = 'INFO',
                     log_file: Optional[str] = None, **kwargs) -> MMLogger:
        logger = quiet_console(super().build_logger(log_level, log_file, **kwargs))
        write_early_records(logger)  # what tools/train.py's checks logged before
        logger.info(f'environment, config and hook order: {logger.log_file}')
        return logger


def build_runner(cfg: Union[Config, ConfigDict, dict]) -> Runner:
    """The runner of ``cfg``: its ``runner_type`` (a registered Runner class,
    e.g. :class:`QuietConsoleRunner`), else mmengine's ``Runner``."""
    return RUNNERS.build(cfg)
