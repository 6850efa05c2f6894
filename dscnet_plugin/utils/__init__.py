"""Utilities: scoped building, environment set-up, paths, configs."""
from .atomic_files import atomic_text, atomic_write
from .checkpoint_safety import register_checkpoint_globals
from .cli_errors import SetupError, exit_on_setup_error
from .cli_values import OptionsAction, OptionValueError, parse_options
from .cpu_distributed import prepare_cpu_distributed
from .machine import cpu_model
from .config_tools import (apply_cli_options, merge_cli_options, propagate_data_root,
                           walk_dicts)
from .option_keys import ConfigOptionError, check_option_keys
from .paths import resolve_path
from .progress import progress_enabled, set_quiet, track
from .scope import build_optional, build_pinned
from .setup_env import register_all_modules

__all__ = ['build_pinned', 'build_optional', 'register_all_modules', 'resolve_path',
           'propagate_data_root', 'apply_cli_options', 'merge_cli_options',
           'register_checkpoint_globals', 'prepare_cpu_distributed', 'track',
           'set_quiet', 'progress_enabled', 'atomic_write', 'atomic_text', 'walk_dicts',
           'cpu_model',
           'SetupError', 'exit_on_setup_error', 'OptionsAction', 'OptionValueError',
           'parse_options', 'ConfigOptionError', 'check_option_keys']
