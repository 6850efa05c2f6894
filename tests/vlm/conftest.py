"""A tiny CLIP saved to a folder and a 3 s coloured video, built once per
session (the tests of the ``[vlm]`` extra skip without transformers / av)."""
import pytest

from .tiny_clip import save_tiny_clip, write_colour_video


@pytest.fixture(scope='session')
def tiny_clip_dir(tmp_path_factory):
    pytest.importorskip('transformers')
    return save_tiny_clip(tmp_path_factory.mktemp('tiny_clip') / 'model')


@pytest.fixture(scope='session')
def colour_video(tmp_path_factory):
    pytest.importorskip('av')
    return write_colour_video(tmp_path_factory.mktemp('videos') / 'colours.mp4')


@pytest.fixture(scope='session')
def embedder(tiny_clip_dir):
    from dscnet_plugin.vlm import CLIPEmbedder
    return CLIPEmbedder(str(tiny_clip_dir), device='cpu', batch_size=2)
