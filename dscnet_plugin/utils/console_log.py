"""What a run shows on the console; the work dir's log file keeps every record.

mmengine's Runner logs the environment (~35 lines), the whole config (~700
lines for a DSCNet config), the hook order (~90 lines) and the experiment
name after every epoch through the same logger as the training itself. On
the console these bury the stages, the losses and the result table, so
:func:`quiet_console` keeps them (and a few notices of mmengine's own that a
user cannot act on) out of the console handlers only.
"""
import logging

#: First characters of the messages kept out of the console, with what they are.
CONSOLE_HIDDEN = {
    '\n' + '-' * 60 + '\nSystem environment:': 'the system and runtime environment',
    'Config:\n': 'the whole config',
    'Hooks will be executed in the following order:': 'the hook order',
    'Exp name: ': 'the experiment name, after every epoch',
    'Distributed training is not used, all SyncBatchNorm': "mmengine's SyncBN notice",
    '"FileClient" will be deprecated': "mmengine's CheckpointHook using its own FileClient",
    '"HardDiskBackend" is the alias of': "mmengine's CheckpointHook using its own FileClient",
    '`save_param_scheduler` is True but `self.param_schedulers` is None':
        'a config without parameter schedulers',
}
_PREFIXES = tuple(CONSOLE_HIDDEN)


class ConsoleFilter(logging.Filter):
    """Drops the records :data:`CONSOLE_HIDDEN` names; passes all others."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_PREFIXES)


def is_console_handler(handler: logging.Handler) -> bool:
    """A stream handler that is not a file handler (a subclass of it)."""
    return (isinstance(handler, logging.StreamHandler)
            and not isinstance(handler, logging.FileHandler))


def quiet_console(logger: logging.Logger) -> logging.Logger:
    """Attach a :class:`ConsoleFilter` to the console handlers of ``logger``
    (its file handlers keep every record); calling it again adds nothing.

    Returns:
        ``logger``.
    """
    for handler in logger.handlers:
        if is_console_handler(handler) and not any(
                isinstance(f, ConsoleFilter) for f in handler.filters):
            handler.addFilter(ConsoleFilter())
    return logger
