"""Utilities: scoped building, environment set-up, paths, configs."""
from .atomic_files import (OutputFileError, atomic_bytes, atomic_npz, atomic_text, atomic_write,
                           writing)
from .cli import run_tool
from .cli_errors import SetupError
from .cli_values import OptionsAction, OptionValueError, parse_options
from .console_log import quiet_console
from .cpu_distributed import prepare_cpu_distributed
from .machine import cpu_model
from .mmaction_compat import import_loaded_mmaction_models, import_mmaction_models
from .config_tools import (apply_cli_options, merge_cli_options, propagate_data_root,
                           walk_dicts)
from .option_keys import ConfigOptionError, check_option_keys
from .paths import resolve_path
from .pipeline_steps import pipeline_steps
from .progress import progress_enabled, set_quiet, track
from .safe_load import (install_safe_loading, load_from_safe_local, register_checkpoint_globals,
                        safe_torch_load)
from .scope import build_optional, build_pinned
from .setup_env import register_all_modules

__all__ = ['build_pinned', 'build_optional', 'register_all_modules', 'resolve_path',
           'propagate_data_root', 'apply_cli_options', 'merge_cli_options',
           'register_checkpoint_globals', 'install_safe_loading', 'load_from_safe_local',
           'safe_torch_load', 'prepare_cpu_distributed', 'track',
           'set_quiet', 'progress_enabled', 'atomic_write', 'atomic_bytes', 'atomic_npz',
           'atomic_text',
           'writing', 'OutputFileError', 'run_tool', 'walk_dicts', 'cpu_model', 'quiet_console',
           'SetupError', 'OptionsAction', 'OptionValueError', 'parse_options',
           'ConfigOptionError', 'check_option_keys', 'import_mmaction_models',
           'import_loaded_mmaction_models', 'pipeline_steps']
