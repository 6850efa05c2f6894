"""Lines a run logs before its log file exists, written into it once it does.

``tools/train.py`` checks the work dir and the inputs before the Runner is
built (:func:`~dscnet_plugin.engine.guarded_training`); what those checks
log (the synthetic data written, the inputs checked, an earlier run's
checkpoints) reaches the console at once. :func:`collect_early_records`
keeps a copy of those records, and :func:`write_early_records` (called by
the Runner when it builds its logger) writes them at the top of the work
dir's log file, so that the file holds every line the console showed.
"""
import contextlib
import logging
from typing import Iterator, List

from mmengine.logging import MMLogger

_EARLY: List[logging.LogRecord] = []


class _Collector(logging.Handler):

    def emit(self, record: logging.LogRecord) -> None:
        _EARLY.append(record)


@contextlib.contextmanager
def collect_early_records() -> Iterator[None]:
    """Keep the records the current logger handles inside the block (for
    :func:`write_early_records`); dropped if the block raises."""
    _EARLY.clear()
    logger = MMLogger.get_current_instance()
    collector = _Collector()
    logger.addHandler(collector)
    try:
        yield
    except BaseException:
        _EARLY.clear()
        raise
    finally:
        logger.removeHandler(collector)


def write_early_records(logger: logging.Logger) -> None:
    """Write the collected records to the file handlers of ``logger``, once."""
    records = list(_EARLY)
    _EARLY.clear()
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler):
            for record in records:
                if record.levelno >= handler.level:
                    handler.handle(record)
