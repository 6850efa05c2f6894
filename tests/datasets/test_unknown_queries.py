"""Queries with no word of the training vocabulary: warned about at test and
inference time (named, counted), refused when they make most of a training set."""
import pytest

from dscnet_plugin.datasets import AnnotationError, TokenizeQuery, Vocabulary
from dscnet_plugin.datasets.text import unknown_queries
from dscnet_plugin.registry import DATA_SOURCES, DATASETS
from dscnet_plugin.utils import build_pinned

TAIL = 'has no word of the training vocabulary (read as <unk>; its result means nothing)'


@pytest.fixture
def warnings_logged(monkeypatch):
    logged = []
    monkeypatch.setattr(unknown_queries, 'print_log',
                        lambda msg, **kwargs: logged.append((msg, kwargs['level'])))
    return logged


def test_tokenize_query_warns_once_per_query_without_a_known_word(warnings_logged):
    """The path of ``GroundingInferencer``: queries come one by one."""
    tokenize = TokenizeQuery(Vocabulary(['door', 'opens']), max_len=2)
    for query in ('🦓🦓', 'opens the door', '🦓🦓', 'zebra zebra door'):
        tokenize(dict(query=query))
    assert warnings_logged == [(f"query '🦓🦓' {TAIL}", 30),
                               # 'door' is the third word: cut by max_len=2
                               (f"query 'zebra zebra door' {TAIL}", 30)]


def test_test_set_names_and_counts_queries_without_a_known_word(write_charades, tmp_path,
                                                               monkeypatch, warnings_logged):
    monkeypatch.setattr(unknown_queries, 'MAX_NAMED', 2)
    train = write_charades()
    test = write_charades(['v1 0 2##Person opens the door.', 'v1 1 2##🦓',
                           'v2 0 1##!!!', 'v2 1 3##zebras juggle', 'v3 0 1##the bed'],
                          name='test.txt', root=tmp_path / 'test')
    dataset = build_pinned(DATASETS, dict(
        type='GroundingDataset', annotation=test,
        pipeline=[dict(type='TokenizeQuery', max_len=4,
                       vocab=dict(type='QueryVocabulary', annotation=train))]))
    path = f"{test['data_root']}/test.txt"
    assert [msg for msg, _ in warnings_logged] == [
        f"{path}:2: query '🦓' {TAIL}", f"{path}:3: query '!!!' {TAIL}",
        f'{path}: 3 of 5 queries have no word of the training vocabulary; the first 2 are '
        'named above']
    for i in range(len(dataset)):  # already reported: no more warnings per item
        dataset[i]
    assert len(warnings_logged) == 3


def test_a_training_set_of_queries_without_words_is_refused(write_charades):
    train = write_charades(['v1 0 2##🙂', 'v1 1 2##?!', 'v2 0 1##a person sits'])
    with pytest.raises(AnnotationError) as info:
        build_pinned(DATASETS, dict(
            type='QuerySetDataset', annotation=train,
            pipeline=[dict(type='TokenizeQuery', max_len=4,
                           vocab=dict(type='QueryVocabulary', annotation=train))]))
    assert str(info.value) == (
        f"{train['data_root']}/charades_sta_train.txt: 2 of 3 training queries hold no "
        'word of the vocabulary built from them (at most 50% may, QueryVocabulary.'
        'max_unknown_fraction): queries must be text with words')
    # the rule is a field: allowing two thirds builds the 5-entry vocabulary
    vocab = build_pinned(DATA_SOURCES, dict(type='QueryVocabulary', annotation=train,
                                            max_unknown_fraction=0.7))
    assert vocab.words == ['<pad>', '<unk>', 'a', 'person', 'sits']
