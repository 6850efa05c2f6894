"""CLIP loading, torch preprocessing and the image / text embeddings, checked
against ``CLIPModel.forward`` of the same tiny model."""
import json

import numpy as np
import pytest
import torch

from .tiny_clip import IMAGE_SIZE, PROJECTION_DIM

pytest.importorskip('transformers')
from dscnet_plugin.vlm import (CLIP_MEAN, CLIP_STD, ClipImagePreprocessing,  # noqa: E402
                               ModelLoadError, load_clip)

SENTENCES = ['a man walks', 'the red dog opens the door', 'a woman runs']


def test_preprocessing_normalises_with_clip_mean_std():
    pre = ClipImagePreprocessing.from_config(IMAGE_SIZE)
    assert (pre.short_side, pre.crop) == (IMAGE_SIZE, IMAGE_SIZE)
    frames = torch.empty(2, 48, 64, 3, dtype=torch.uint8)
    frames[0], frames[1] = torch.tensor([255, 0, 128]), torch.tensor([10, 200, 30])
    x = pre(frames)
    assert tuple(x.shape) == (2, 3, IMAGE_SIZE, IMAGE_SIZE)  # 48 x 64 -> 32 x 43 -> crop
    for i, rgb in enumerate(([255, 0, 128], [10, 200, 30])):
        expected = (torch.tensor(rgb) / 255.0 - torch.tensor(CLIP_MEAN)) / torch.tensor(CLIP_STD)
        torch.testing.assert_close(x[i].mean(dim=(1, 2)), expected.float(), atol=1e-4, rtol=0)
    assert pre.resized_size(48, 64) == (32, 43)


def test_centre_crop_takes_the_middle():
    pre = ClipImagePreprocessing(short_side=4, crop=2, mean=(0, 0, 0), std=(1, 1, 1))
    frames = torch.zeros(1, 4, 6, 3, dtype=torch.uint8)
    frames[0, 1:3, 2:4] = 255  # the centre 2 x 2
    torch.testing.assert_close(pre(frames), torch.ones(1, 3, 2, 2))


def test_preprocessor_config_is_read(tmp_path, tiny_clip_dir):
    import shutil
    folder = tmp_path / 'with_pre'
    shutil.copytree(tiny_clip_dir, folder)
    (folder / 'preprocessor_config.json').write_text(json.dumps(dict(
        size=dict(shortest_edge=40), crop_size=dict(height=32, width=32),
        image_mean=[0.5, 0.5, 0.5], image_std=[0.25, 0.25, 0.25])))
    pre = load_clip(str(folder), device='cpu').preprocessing
    assert (pre.short_side, pre.crop, tuple(pre.mean), tuple(pre.std)) == \
        (40, 32, (0.5,) * 3, (0.25,) * 3)


def test_image_embeddings_match_clip_forward(embedder, colour_video):
    from dscnet_plugin.vlm import decode_video
    frames = decode_video(str(colour_video)).frames
    feats = embedder.embed_images(frames)
    assert tuple(feats.shape) == (3, PROJECTION_DIM) and feats.dtype == torch.float32
    torch.testing.assert_close(feats.norm(dim=1), torch.ones(3))
    model, tok = embedder.clip.model, embedder.clip.tokenizer
    with torch.no_grad():
        ref = model(**tok(['a'], return_tensors='pt'),
                    pixel_values=embedder.clip.preprocessing(frames)).image_embeds
    torch.testing.assert_close(feats, ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(embedder.embed_images(frames), feats, atol=0, rtol=0)
    sims = feats @ feats.T
    assert (sims - torch.eye(3)).abs().max() > 1e-3  # three colours, three rows
    assert all(sims[i, j] < 0.999 for i in range(3) for j in range(3) if i != j)


def test_text_features_are_projected_tokens(embedder):
    feats = embedder.embed_texts(SENTENCES)
    model, tok = embedder.clip.model, embedder.clip.tokenizer
    enc = tok(SENTENCES, padding=True, return_tensors='pt')
    with torch.no_grad():
        ref = model(**enc, pixel_values=torch.zeros(1, 3, IMAGE_SIZE, IMAGE_SIZE)).text_embeds
    lengths = enc['attention_mask'].sum(1).tolist()
    assert lengths[0] == 5  # <|startoftext|> a man walks <|endoftext|>
    for i, f in enumerate(feats):
        assert f['pooler_output'].shape == (PROJECTION_DIM,)
        assert f['last_hidden_state'].shape == (lengths[i], PROJECTION_DIM)
        assert f['pooler_output'].dtype == np.float32
        pooled = torch.from_numpy(f['pooler_output'])
        torch.testing.assert_close(pooled / pooled.norm(), ref[i], atol=1e-5, rtol=1e-5)
        # the <|endoftext|> row is the pooled embedding
        np.testing.assert_allclose(f['last_hidden_state'][-1], f['pooler_output'], atol=1e-6)


def test_bad_model_paths_are_named(tmp_path):
    with pytest.raises(ModelLoadError, match='nowhere/clip: CLIP model folder not found'):
        load_clip(str(tmp_path / 'nowhere' / 'clip'), device='cpu')
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(ModelLoadError, match='empty: has no readable config.json'):
        load_clip(str(empty), device='cpu')
    bert = tmp_path / 'bert'
    bert.mkdir()
    (bert / 'config.json').write_text(json.dumps(dict(model_type='bert')))
    with pytest.raises(ModelLoadError, match="bert: is a 'bert' model, expected a CLIP"):
        load_clip(str(bert), device='cpu')
    clip_no_weights = tmp_path / 'noweights'
    clip_no_weights.mkdir()
    from transformers import CLIPConfig
    CLIPConfig().save_pretrained(str(clip_no_weights))
    with pytest.raises(ModelLoadError, match='noweights: cannot load the CLIP weights'):
        load_clip(str(clip_no_weights), device='cpu')
