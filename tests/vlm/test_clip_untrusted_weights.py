"""A CLIP folder whose weights are a hostile pickle: loading it runs no code
and ends in a clear error naming the folder."""
import shutil

import pytest

from tests.payloads import PAYLOADS

pytest.importorskip('transformers')
from dscnet_plugin.vlm.clip_loading import ModelLoadError, load_clip  # noqa: E402


@pytest.mark.parametrize('payload', sorted(PAYLOADS))
def test_hostile_pytorch_model_bin_runs_no_code(tiny_clip_dir, tmp_path, payload):
    folder = tmp_path / 'clip'
    shutil.copytree(tiny_clip_dir, folder)
    for weights in folder.glob('*.safetensors'):
        weights.unlink()
    marker = tmp_path / 'ran'
    PAYLOADS[payload](folder / 'pytorch_model.bin', marker)
    with pytest.raises(ModelLoadError, match='weights refused'):
        load_clip(str(folder), device='cpu')
    assert not marker.exists()
