"""``CLIPTextEncoder``: CLIP's text tower on raw sentences -> ``B x D``."""
import numpy as np
import pytest
import torch

from tests.vlm.tiny_clip import PROJECTION_DIM

pytest.importorskip('transformers')
from dscnet_plugin.registry import TEXT_ENCODERS  # noqa: E402
from dscnet_plugin.vlm import CLIPEmbedder  # noqa: E402

SENTENCES = ['a man walks', 'the red dog opens the door']


@pytest.fixture(scope='module')
def clip_dir(tmp_path_factory):
    from tests.vlm.tiny_clip import save_tiny_clip
    return str(save_tiny_clip(tmp_path_factory.mktemp('clip') / 'model'))


def test_frozen_encoder_gives_the_extracted_pooler_output(clip_dir):
    enc = TEXT_ENCODERS.build(dict(type='CLIPTextEncoder', model=clip_dir))
    assert not any(p.requires_grad for p in enc.parameters())
    assert not hasattr(enc, 'vision_model')
    enc.train()
    assert not enc.training  # a frozen tower stays in eval mode
    out = enc.encode(SENTENCES)
    assert tuple(out.shape) == (2, PROJECTION_DIM) and out.dtype == torch.float32
    stored = CLIPEmbedder(clip_dir, device='cpu').embed_texts(SENTENCES)
    np.testing.assert_allclose(out.numpy(), np.stack([s['pooler_output'] for s in stored]),
                               atol=1e-6)
    x = enc(SENTENCES)
    assert not x.requires_grad
    torch.testing.assert_close(x, out)


def test_normalize_and_fine_tuning(clip_dir):
    enc = TEXT_ENCODERS.build(dict(type='CLIPTextEncoder', model=clip_dir, trainable=True,
                                   normalize=True))
    enc.train()
    assert enc.training and all(p.requires_grad for p in enc.parameters())
    out = enc(SENTENCES)
    torch.testing.assert_close(out.norm(dim=1), torch.ones(2))
    out.sum().backward()
    assert enc.text_projection.weight.grad is not None
    assert enc.text_projection.weight.grad.abs().sum() > 0
    assert not enc.encode(SENTENCES).requires_grad
    tokens = enc.encode_tokens(SENTENCES)
    assert tokens['last_hidden_state'].shape[:2] == tokens['mask'].shape
    assert tokens['mask'].sum(1).tolist()[0] == 5


def test_a_single_string_is_refused(clip_dir):
    enc = TEXT_ENCODERS.build(dict(type='CLIPTextEncoder', model=clip_dir))
    with pytest.raises(TypeError, match='sequence of sentences'):
        enc.encode('a man walks')


def test_encode_query_text_transform_fills_the_query_feature(clip_dir):
    """The pipeline swap of LoadQueryFeatures: the sentence through the tower."""
    from dscnet_plugin.registry import TRANSFORMS
    step = TRANSFORMS.build(dict(type='EncodeQueryText',
                                 encoder=dict(type='CLIPTextEncoder', model=clip_dir)))
    out = [step(dict(query=q))['query_feature'] for q in SENTENCES + SENTENCES[:1]]
    stored = CLIPEmbedder(clip_dir, device='cpu').embed_texts(SENTENCES)
    for got, want in zip(out, [s['pooler_output'] for s in stored] + [stored[0]['pooler_output']]):
        assert got.shape == (PROJECTION_DIM,) and got.dtype == np.float32
        np.testing.assert_allclose(got, want, atol=1e-6)
    assert len(step._cache) == 2  # each distinct sentence encoded once
