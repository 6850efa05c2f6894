"""SIF sentence vectors: frequency-weighted means of word vectors."""
import pytest
import torch

from dscnet_plugin.models.text_encoders.sif_vectors import sif_sentence_vectors


def test_weights_are_smooth_inverse_frequency():
    emb = torch.tensor([[0.0, 0.0], [9.0, 9.0], [1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    # ids 0 pad, 1 <unk>; word 2 in every query, words 3 and 4 once each
    tokens = torch.tensor([[2, 3, 0], [2, 4, 1]])
    mask = torch.tensor([[True, True, False], [True, True, True]])
    out = sif_sentence_vectors(tokens, mask, emb, a=0.5)
    p2, p3 = 2 / 4, 1 / 4                       # 4 real known tokens
    w2, w3 = 0.5 / (0.5 + p2), 0.5 / (0.5 + p3)
    torch.testing.assert_close(out[0], (w2 * emb[2] + w3 * emb[3]) / 2)
    # <unk> adds nothing and does not count in the mean
    torch.testing.assert_close(out[1], (w2 * emb[2] + w3 * emb[4]) / 2)
    assert w2 < w3                              # the common word weighs less


def test_query_without_known_word_is_zero():
    emb = torch.randn(5, 3)
    tokens = torch.tensor([[1, 0], [2, 3]])
    mask = torch.tensor([[True, False], [True, True]])
    out = sif_sentence_vectors(tokens, mask, emb)
    assert torch.equal(out[0], torch.zeros(3))
    assert out[1].abs().sum() > 0


@pytest.mark.parametrize('a', [1e-3, 1.0])
def test_shape_and_padding_do_not_matter(a):
    emb = torch.randn(6, 4)
    tokens = torch.tensor([[2, 3, 4]])
    mask = torch.ones(1, 3, dtype=torch.bool)
    padded = torch.tensor([[2, 3, 4, 0, 0]])
    pmask = torch.tensor([[True, True, True, False, False]])
    torch.testing.assert_close(sif_sentence_vectors(tokens, mask, emb, a),
                               sif_sentence_vectors(padded, pmask, emb, a))
