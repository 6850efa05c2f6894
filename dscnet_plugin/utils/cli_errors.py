"""The error of a run that cannot start as asked."""


class SetupError(ValueError):
    """A run cannot start as asked: a bad ``--cfg-options`` key, a work dir
    in use or holding another config's checkpoints, missing or malformed
    inputs. The message says what is wrong and how to go on; the tools end
    with it (:func:`~dscnet_plugin.utils.cli.run_tool`), without a traceback."""
