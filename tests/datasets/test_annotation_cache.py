"""One parse per annotation file and process: the datasets, the vocabulary
and the priors that read one file share its records and its repair line,
and a file rewritten in place is read again."""
import pytest

from dscnet_plugin.datasets import AnnotationError, QueryVocabulary
from dscnet_plugin.datasets.annotations import clear_record_cache
from dscnet_plugin.datasets.annotations import moment_record as moment_record_module
from dscnet_plugin.datasets.annotations import record_cache
from dscnet_plugin.models.baselines.base_prior import training_moments
from dscnet_plugin.registry import DATA_SOURCES, DATASETS
from dscnet_plugin.utils import build_pinned

LINES = ['v1 0.0 4.0##a person opens the door.', 'v2 8.0 8.0##someone holds a cup.',
         'v2 2.0 25.0##the person holds a cup.']


@pytest.fixture
def repair_lines(monkeypatch):
    clear_record_cache()
    logged = []
    monkeypatch.setattr(moment_record_module, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    return logged


def test_every_user_of_a_training_file_shares_one_parse(write_charades, repair_lines,
                                                        monkeypatch):
    cfg = write_charades(LINES, {'v1': 10.0, 'v2': 20.0})
    parses = []
    real_read = type(build_pinned(DATA_SOURCES, cfg)).read
    monkeypatch.setattr(type(build_pinned(DATA_SOURCES, cfg)), 'read',
                        lambda self: parses.append(1) or real_read(self))
    vocab = dict(type='QueryVocabulary', annotation=cfg)
    videos = build_pinned(DATASETS, dict(type='UnpairedVideoDataset', annotation=cfg))
    queries = build_pinned(DATASETS, dict(
        type='QuerySetDataset', annotation=cfg,
        pipeline=[dict(type='TokenizeQuery', vocab=vocab, max_len=4)]))
    build_pinned(DATA_SOURCES, vocab)
    moments = training_moments(cfg)
    assert len(parses) == 1
    assert repair_lines == [f"{cfg['data_root']}/charades_sta_train.txt: 3 moments read, "
                            '2 kept; repairs: 1 end > duration clipped to duration, '
                            '1 start >= end dropped']
    assert [v['video_id'] for v in videos] == ['v1', 'v2']
    assert [q['query'] for q in queries] == ['a person opens the door.',
                                             'the person holds a cup.']
    assert moments.tolist() == [[0.0, 0.4], [0.1, 1.0]]


def test_a_file_rewritten_in_place_is_read_again(write_charades, repair_lines):
    """Same path, same size, same second: the content decides (this was the
    vocabulary's known issue: it was keyed by the config)."""
    cfg = write_charades(['v1 0.0 4.0##a person opens the door.'], {'v1': 10.0})
    first = QueryVocabulary(cfg)
    assert QueryVocabulary(dict(cfg)) is first  # cached
    write_charades(['v1 0.0 4.0##a zebra juggles the quokka'], {'v1': 10.0})
    second = QueryVocabulary(cfg)
    assert second.words[2:] == ['a', 'juggles', 'quokka', 'the', 'zebra']
    assert first.words[2:] == ['a', 'door', 'opens', 'person', 'the']
    records = build_pinned(DATA_SOURCES, cfg).load()
    assert [r.sentence for r in records] == ['a zebra juggles the quokka']


def test_the_reader_arguments_are_part_of_the_key(write_charades, tmp_path, repair_lines):
    cfg = write_charades(['v1 0.0 12.0##a person opens the door.'], {'v1': 10.0})
    (tmp_path / 'long.json').write_text('{"v1": 30.0}')
    short = build_pinned(DATA_SOURCES, cfg).load()
    long = build_pinned(DATA_SOURCES, dict(cfg, duration_file='long.json')).load()
    assert (short[0].end, long[0].end) == (10.0, 12.0)
    assert len(repair_lines) == 1  # the clip of the 10 s version


def test_errors_are_not_cached(write_charades, repair_lines):
    cfg = write_charades(['v1 0.0 1_0##a person opens the door.'], {'v1': 10.0})
    for _ in range(2):
        with pytest.raises(AnnotationError, match="times '0.0' '1_0' are not numbers"):
            build_pinned(DATA_SOURCES, cfg).load()
    assert not record_cache._RECORDS


def test_the_cache_keeps_a_bounded_number_of_files(write_charades, tmp_path, repair_lines):
    for i in range(record_cache.MAX_FILES + 3):
        cfg = write_charades(root=tmp_path / str(i))
        build_pinned(DATA_SOURCES, cfg).load()
    assert len(record_cache._RECORDS) == record_cache.MAX_FILES
