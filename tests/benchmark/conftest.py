"""The tiny-run fixtures of the training-loop tests."""
from ..engine.conftest import (build_runner, fast_pretty_text, restore_default_scope,  # noqa: F401
                               restore_torch_state, tiny_data_root)
