"""Where the benchmark reads and writes, and its progress lines.

The benchmark runs from a source checkout: its plan names configs
(``configs/...``) and the real annotations (``../shared/data``) relative to
the repository root, and every run changes into that folder first.
"""
import os
from pathlib import Path
from typing import Dict

from mmengine.logging import MMLogger, print_log

#: The repository root (the folder that holds ``configs/`` and ``tools/``).
REPO = Path(__file__).resolve().parents[2]
#: Real annotations, relative to the repository root (short relative paths
#: keep mmengine's config formatting fast).
DATA_ROOT = '../shared/data'
#: Subsets, simulated features, runs and quick reports.
BENCH_DIR = 'work_dirs/benchmark'
#: The script that executes one run in a child process (``--run-key``).
BENCHMARK_SCRIPT = REPO / 'tools' / 'benchmark.py'

_LOGGER = 'dscnet_benchmark'


def checkout_root() -> Path:
    """:data:`REPO`, after checking it is a source checkout.

    Raises:
        FileNotFoundError: ``configs/`` is not beside the package (an
            installed wheel): the benchmark needs the repository's configs.
    """
    if not (REPO / 'configs').is_dir():
        raise FileNotFoundError(f'{REPO / "configs"} not found: the benchmark runs from a '
                                'source checkout of dscnet_plugin (git clone, pip install -e .)')
    return REPO


def child_env(threads: int = 0) -> Dict[str, str]:
    """The environment of a child script: the checkout first on
    ``PYTHONPATH``; ``threads`` OpenMP / MKL threads when given."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO), os.environ.get('PYTHONPATH', '')]))
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    return env


def log(message: str) -> None:
    """A progress line of the benchmark (its own logger: the runs' loggers
    write to their work dirs)."""
    if not MMLogger.check_instance_created(_LOGGER):
        MMLogger.get_instance(_LOGGER, log_level='INFO')
    print_log(f'[benchmark] {message}', logger=_LOGGER)
