"""Feature simulation from real annotation timelines
(``dscnet_plugin.datasets.simulation``), on tiny fixture files.

The fixture writers below are plain functions so that
``tests/tools/test_simulate_features.py`` can reuse them.
"""
import json
import os
from pathlib import Path

import h5py
import numpy as np
import pytest

from dscnet_plugin.datasets import (AnnotationError, ArrayDirFeatures,
                                    GloveTextVectors, HDF5Features, VideoFeatures)
from dscnet_plugin.datasets.simulation import (
    STOP_WORDS, TimelineEvent, TimelineFeatureSimulator, VideoTimeline,
    activitynet_timelines, caption_concept_vectors, charades_concept_vectors,
    charades_concepts, charades_timelines, phrase_vector, simulate_activitynet,
    simulate_charades, sta_video_ids)

# --------------------------------------------------------------- fixture files
#: A tiny GloVe file (4-d). Norms differ on purpose: ``phrase_vector``
#: averages *unit* word vectors.
GLOVE = {
    'hold': [0, 0, 3, 0], 'drink': [0, 0, 0, 2], 'sit': [1, 0, 1, 1],
    'cup': [2, 0, 0, 0], 'glass': [0, 1, 0, 0], 'chair': [1, 1, 1, 0],
    'opens': [0, 3, 0, 1], 'door': [1, 0, 0, 4], 'man': [5, 5, 5, 5],
    'the': [1, -1, 1, -1], 'person': [-3, 0, 0, 0], 'is': [0, -2, 0, 0],
    'ride': [0, 1, 1, 0], 'horse': [1, 0, 1, 0],
}
VERBS = ('v000 hold', 'v001 drink', 'v002 sit')
OBJECTS = ('o000 None', 'o001 cup/glass', 'o002 chair')
MAPPING = ('c000 o001 v000', 'c001 o001 v001', 'c002 o000 v002')
CSV_HEADER = ('id,subject,scene,quality,relevance,verified,script,objects,'
              'descriptions,actions,length')
CHARADES_TRAIN = (
    # inverted interval c001 8.0 7.0; quoted fields with commas like the release
    'AAAAA,S001,Kitchen,6,7,Yes,"A person holds a cup, then drinks.",cup;glass,'
    '"Person holds a cup, drinks from it.",c000 1.00 3.50;c001 8.0 7.0,10.00',
    # an end past the video (9.5 s), an event starting after it
    'BBBBB,S002,Bedroom,5,7,Yes,A person sits.,chair,A person sits on a chair.,'
    'c002 2.00 12.00;c000 11.0 12.0,9.50',
)
CHARADES_TEST = (
    # no actions, no scene
    'CCCCC,S003,,6,7,Yes,Nothing happens.,,Nothing.,,6.00',
)
STA_TRAIN = ('AAAAA 1.0 3.5##a person is holding a cup.',
             'BBBBB 2.0 9.5##person sits on a chair.',
             'AAAAA 7.0 8.0##person drinks from the glass.')
STA_TEST = ('CCCCC 0.0 2.0##nothing happens.',)
ANET = {
    'train.json': {
        'v_a': {'duration': 20.0, 'timestamps': [[0.0, 5.0], [4.0, 12.0]],
                'sentences': ['A man opens the door.', ' The person is there.']}},
    'val_1.json': {
        'v_b': {'duration': 30.0, 'timestamps': [[2.0, 10.0]],
                'sentences': ['A man rides a horse.']},
        'v_c': {'duration': 15.0, 'timestamps': [[1.0, 3.0]],
                'sentences': ['Someone holds a cup.']}},
    'val_2.json': {
        'v_b': {'duration': 30.0, 'timestamps': [[25.0, 12.0], [20.0, 40.0]],
                'sentences': ['The man opens the door.', 'He drinks.']}},
}
#: Tiny simulator sizes: every simulation takes milliseconds.
SMALL = dict(feature_dim=8, latent_dim=16)


def write_glove(path: Path) -> str:
    path.write_text(''.join(f'{w} {" ".join(str(float(x)) for x in v)}\n'
                            for w, v in GLOVE.items()), encoding='utf-8')
    return str(path)


def _lines(path: Path, lines) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(f'{line}\n' for line in lines), encoding='utf-8')


def write_charades_root(root: Path) -> str:
    """``root/charades/Charades_v1_*`` and ``root/charades_sta/*``."""
    ch = root / 'charades'
    _lines(ch / 'Charades_v1_verbclasses.txt', VERBS)
    _lines(ch / 'Charades_v1_objectclasses.txt', OBJECTS)
    _lines(ch / 'Charades_v1_mapping.txt', MAPPING)
    _lines(ch / 'Charades_v1_train.csv', (CSV_HEADER,) + CHARADES_TRAIN)
    _lines(ch / 'Charades_v1_test.csv', (CSV_HEADER,) + CHARADES_TEST)
    _lines(root / 'charades_sta' / 'charades_sta_train.txt', STA_TRAIN)
    _lines(root / 'charades_sta' / 'charades_sta_test.txt', STA_TEST)
    return str(root)


def write_activitynet_root(root: Path) -> str:
    """``root/activitynet_captions/{train,val_1,val_2}.json``."""
    folder = root / 'activitynet_captions'
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in ANET.items():
        (folder / name).write_text(json.dumps(content), encoding='utf-8')
    return str(root)


def _unit(x):
    x = np.asarray(x, np.float64)
    return x / np.linalg.norm(x)


def _cos(a, b):
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture
def glove(tmp_path):
    return GloveTextVectors(write_glove(tmp_path / 'glove_4d.txt'))


@pytest.fixture
def charades_root(tmp_path):
    return write_charades_root(tmp_path / 'data')


@pytest.fixture
def anet_root(tmp_path):
    return write_activitynet_root(tmp_path / 'data')


# ------------------------------------------------------------------ timelines
def test_charades_concepts_parse_mapping(charades_root):
    concepts = charades_concepts(os.path.join(charades_root, 'charades'))
    assert concepts == {'c000': ('hold', 'cup/glass'), 'c001': ('drink', 'cup/glass'),
                        'c002': ('sit', '')}  # object 'None' -> ''


@pytest.mark.parametrize('bad', ['c003 o001', 'c003 o009 v000', 'c003 o001 v009',
                                 'c003 o001 v000 extra'])
def test_charades_concepts_reject_malformed_line(charades_root, bad):
    path = Path(charades_root) / 'charades' / 'Charades_v1_mapping.txt'
    _lines(path, MAPPING[:2] + (bad,))
    with pytest.raises(AnnotationError, match='line 3') as info:
        charades_concepts(str(path.parent))
    assert str(path) in str(info.value) and info.value.path == str(path)


def test_charades_concepts_missing_file(tmp_path):
    with pytest.raises(AnnotationError, match='Charades_v1_verbclasses.txt'):
        charades_concepts(str(tmp_path))


def test_charades_timelines(charades_root):
    ch = os.path.join(charades_root, 'charades')
    csvs = [os.path.join(ch, f'Charades_v1_{s}.csv') for s in ('train', 'test')]
    timelines = charades_timelines(csvs)
    assert [tl.vid for tl in timelines] == ['AAAAA', 'BBBBB', 'CCCCC']
    a, b, c = timelines
    assert isinstance(a, VideoTimeline) and isinstance(a.events[0], TimelineEvent)
    assert (a.duration, a.scene) == (10.0, 'Kitchen')
    # the inverted interval 'c001 8.0 7.0' is swapped
    assert a.events == (('c000', 1.0, 3.5), ('c001', 7.0, 8.0))
    assert b.duration == 9.5 and b.events[0] == ('c002', 2.0, 9.5)  # end clipped
    assert b.events[1] == ('c000', 9.5, 9.5)  # starts after the end: empty
    for tl in timelines:
        for e in tl.events:
            assert 0.0 <= e.start <= e.end <= tl.duration, (tl.vid, e)
    assert c.events == () and c.scene == 'none' and c.duration == 6.0
    # vids filter, kept in csv order
    assert [tl.vid for tl in charades_timelines(csvs, ['CCCCC', 'AAAAA'])] == [
        'AAAAA', 'CCCCC']
    assert charades_timelines(csvs, []) == []
    with pytest.raises(AnnotationError, match='missing.csv'):
        charades_timelines([os.path.join(ch, 'missing.csv')])


def test_activitynet_timelines_merge_shared_video(anet_root):
    folder = os.path.join(anet_root, 'activitynet_captions')
    timelines, sentences = activitynet_timelines(
        [os.path.join(folder, f) for f in ('train.json', 'val_1.json', 'val_2.json')])
    by_vid = {tl.vid: tl for tl in timelines}
    assert sorted(by_vid) == ['v_a', 'v_b', 'v_c'] and len(timelines) == 3
    v_b = by_vid['v_b']
    assert v_b.duration == 30.0 and v_b.scene == 'none'
    # val_1 (file 1) and val_2 (file 2) events are merged; inverted swapped,
    # end clipped to the duration
    assert v_b.events == (('v_b#1#0', 2.0, 10.0), ('v_b#2#0', 12.0, 25.0),
                          ('v_b#2#1', 20.0, 30.0))
    assert sentences['v_b#1#0'] == 'A man rides a horse.'
    assert sentences['v_b#2#0'] == 'The man opens the door.'
    assert sentences['v_b#2#1'] == 'He drinks.'
    assert sentences['v_a#0#1'] == ' The person is there.'
    assert set(sentences) == {e.concept for tl in timelines for e in tl.events}
    assert len(sentences) == 6


def test_sta_video_ids_first_seen_order(charades_root):
    path = os.path.join(charades_root, 'charades_sta', 'charades_sta_train.txt')
    assert sta_video_ids(path) == ['AAAAA', 'BBBBB']


# ------------------------------------------------------------ concept vectors
def test_phrase_vector(glove):
    cup_glass = phrase_vector('cup/glass', glove)
    # the mean of the *unit* word vectors, renormalised
    np.testing.assert_allclose(cup_glass, _unit([1, 1, 0, 0]), atol=1e-6)
    assert cup_glass.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(phrase_vector('door', glove)), 1.0,
                               atol=1e-6)
    # unknown words are skipped; none known gives a zero vector
    np.testing.assert_allclose(phrase_vector('cup/spoon', glove), _unit([1, 0, 0, 0]),
                               atol=1e-6)
    for phrase in ('spoon/fork', '', '/'):
        vec = phrase_vector(phrase, glove)
        assert vec.shape == (4,) and not vec.any()


def test_charades_concept_vectors(charades_root, glove):
    vectors = charades_concept_vectors(
        charades_concepts(os.path.join(charades_root, 'charades')), glove)
    assert set(vectors) == {'c000', 'c001', 'c002'}
    c000, c002 = vectors['c000'], vectors['c002']
    assert c000.shape == (8,)
    np.testing.assert_allclose(c000[:4], _unit(GLOVE['hold']), atol=1e-6)
    np.testing.assert_allclose(c000[4:], _unit([1, 1, 0, 0]), atol=1e-6)
    np.testing.assert_allclose(c002[:4], _unit(GLOVE['sit']), atol=1e-6)
    assert not c002[4:].any()  # no object


def test_caption_concept_vectors_drop_stop_words(glove):
    assert {'a', 'the', 'man', 'person', 'is', 'someone'} <= STOP_WORDS
    vectors = caption_concept_vectors(
        {'k1': 'A man opens the door.', 'k2': ' The person is there.',
         'k3': 'Opens!', 'k4': 'Unknown words only'}, glove)
    assert set(vectors) == {'k1', 'k2', 'k3', 'k4'}
    expected = _unit(_unit(GLOVE['opens']) + _unit(GLOVE['door']))
    np.testing.assert_allclose(vectors['k1'], expected, atol=1e-6)  # 'man', 'the' dropped
    np.testing.assert_allclose(vectors['k3'], _unit(GLOVE['opens']), atol=1e-6)
    for k in ('k2', 'k4'):  # only stop words / unknown words
        assert vectors[k].shape == (4,) and not vectors[k].any()
    assert all(v.dtype == np.float32 for v in vectors.values())


# ------------------------------------------------------------------ simulator
def _concepts(dim=4, seed=0):
    rng = np.random.default_rng(seed)
    return {c: rng.standard_normal(dim).astype(np.float32) for c in ('a', 'b', 'c')}


def _timeline(vid='vid1', duration=12.0, scene='Kitchen', events=(('a', 2.0, 5.0),)):
    return VideoTimeline(vid, duration, scene,
                         tuple(TimelineEvent(*e) for e in events))


def test_num_clips():
    sim = TimelineFeatureSimulator(_concepts(), **SMALL)
    # C3D: 16-frame clips at 24 fps, stride 8 frames
    assert sim.num_clips(30.0) == 89
    assert sim.num_clips(16 / 24) == 1
    assert sim.num_clips(16 / 24 + 8 / 24) == 2
    assert sim.num_clips(0.1) == 1 and sim.num_clips(0.0) == 1
    sim = TimelineFeatureSimulator(_concepts(), clip_stride=0.5, clip_length=0.5, **SMALL)
    assert sim.num_clips(20.0) == 40


def test_occupancy_soft_boundaries():
    sim = TimelineFeatureSimulator(_concepts(), clip_stride=1.0, clip_length=2.0, **SMALL)
    tl = _timeline(duration=7.0, events=(('a', 1.5, 4.0), ('b', 0.0, 7.0),
                                         ('c', 6.5, 6.0)))
    occ = sim.occupancy(tl)
    assert occ.shape == (6, 3)  # clips start at 0..5
    np.testing.assert_allclose(occ[:, 0], [0.25, 0.75, 1.0, 0.5, 0.0, 0.0])
    np.testing.assert_allclose(occ[:, 1], 1.0)
    assert not occ[:, 2].any()  # an empty/inverted event covers nothing
    assert sim.occupancy(_timeline(duration=7.0, events=())).shape == (6, 0)


def test_features_shape_dtype_non_negative():
    sim = TimelineFeatureSimulator(_concepts(), feature_dim=12, latent_dim=16)
    x = sim.simulate(_timeline(duration=30.0))
    assert x.shape == (89, 12) and x.dtype == np.float32
    assert (x >= 0).all() and (x > 0).mean() > 0.2 and (x == 0).any()  # ReLU
    assert np.isfinite(x).all()


def test_deterministic_and_subset_invariant():
    concepts = _concepts()
    tls = [_timeline('v1'), _timeline('v2', 8.0, 'Bedroom', (('b', 0.0, 3.0),)),
           _timeline('v3', 5.0, 'Kitchen', ())]
    sim_a = TimelineFeatureSimulator(concepts, seed=3, **SMALL)
    sim_b = TimelineFeatureSimulator(dict(reversed(list(concepts.items()))), seed=3,
                                     **SMALL)
    first = [sim_a.simulate(tl) for tl in tls]
    # reversed order, another instance: the same features
    for tl, x in zip(reversed(tls), reversed(first)):
        np.testing.assert_array_equal(sim_b.simulate(tl), x)
    # an extra concept without known words leaves the centring, hence the
    # others' features, unchanged; one with words moves the centre
    sim_c = TimelineFeatureSimulator(dict(concepts, d=np.zeros(4, np.float32)), seed=3,
                                     **SMALL)
    np.testing.assert_array_equal(sim_c.simulate(tls[0]), first[0])
    sim_d = TimelineFeatureSimulator(dict(concepts, d=np.ones(4, np.float32)), seed=3,
                                     **SMALL)
    assert not np.allclose(sim_d.simulate(tls[0]), first[0])
    # another seed, another vid: other features
    assert not np.allclose(TimelineFeatureSimulator(concepts, seed=4, **SMALL)
                           .simulate(tls[0]), first[0])
    assert not np.allclose(sim_a.simulate(tls[0]._replace(vid='v9')), first[0])


def test_write_subset_invariance(tmp_path):
    sim = TimelineFeatureSimulator(_concepts(), **SMALL)
    tls = [_timeline('v1'), _timeline('v2', 8.0, 'Bedroom', (('b', 0.0, 3.0),)),
           _timeline('v3', 5.0)]
    full = VideoFeatures(sim.write(tls, str(tmp_path / 'full.hdf5')))
    part = VideoFeatures(sim.write(tls[1:2], str(tmp_path / 'part.hdf5')))
    assert 'v1' not in part and 'v2' in part
    np.testing.assert_array_equal(part['v2'], full['v2'])


def test_signatures_follow_text_relation():
    h, v = 2048, np.array([0.3, -1.0, 2.0, 0.5], np.float32)
    concepts = {'a': v, 'b': v.copy(), 'c': np.array([1.0, 0, 0, 0], np.float32),
                'z': np.zeros(4, np.float32)}
    scale = 0.7 * np.sqrt(h)  # signal_scale * sqrt(h)

    def sig(k):
        return TimelineFeatureSimulator(concepts, text_relation=k, feature_dim=4,
                                        latent_dim=h).signatures

    s1 = sig(1.0)
    np.testing.assert_array_equal(s1['a'], s1['b'])  # a function of the words
    assert _cos(s1['a'], s1['c']) < 0.99
    np.testing.assert_allclose(np.linalg.norm(s1['a']), scale, rtol=1e-4)
    s0 = sig(0.0)
    assert abs(_cos(s0['a'], s0['b'])) < 0.15  # unrelated to the words
    np.testing.assert_allclose(np.linalg.norm(s0['a']), scale, rtol=1e-4)
    assert np.linalg.norm(s0['z']) > 0  # zero words still get a look at k < 1
    s6 = sig(0.6)
    assert abs(_cos(s6['a'], s6['b']) - 0.36) < 0.1  # ~ k^2
    assert all(s.dtype == np.float32 and s.shape == (h,) for s in s6.values())


def test_event_changes_only_its_clips():
    sim = TimelineFeatureSimulator(_concepts(), clip_stride=1.0, clip_length=2.0,
                                   feature_dim=16, latent_dim=16)
    with_event = _timeline(duration=12.0, events=(('a', 3.5, 6.0),))
    without = with_event._replace(events=())
    x, y = sim.simulate(with_event), sim.simulate(without)
    occ = sim.occupancy(with_event)[:, 0]
    inside = occ > 0
    assert inside.tolist() == [False, False, True, True, True, True] + [False] * 5
    np.testing.assert_array_equal(x[~inside], y[~inside])
    assert (np.abs(x[inside] - y[inside]).sum(1) > 0).all()
    # a stronger signal moves the features further
    strong = TimelineFeatureSimulator(_concepts(), clip_stride=1.0, clip_length=2.0,
                                      feature_dim=16, latent_dim=16, signal_scale=3.0)
    assert (np.abs(strong.simulate(with_event) - y)[inside].sum()
            > np.abs(x - y)[inside].sum())


def test_latent_adds_occupancy_times_signature():
    """With ``P = [I, -I]`` the latent is read back (``z = x+ - x-``): an
    event adds ``o_e(t) * sig_e`` to it, overlapping events add up."""
    h = 8
    sim = TimelineFeatureSimulator(_concepts(), clip_stride=1.0, clip_length=2.0,
                                   feature_dim=2 * h, latent_dim=h)
    sim._projection = np.concatenate([np.eye(h), -np.eye(h)], 1).astype(np.float32)
    tl = _timeline(duration=9.0, events=(('a', 1.5, 4.0), ('b', 3.0, 8.0)))

    def latent(timeline):
        x = sim.simulate(timeline)
        return x[:, :h] - x[:, h:]

    delta = latent(tl) - latent(tl._replace(events=()))
    occ = sim.occupancy(tl)
    expected = occ[:, :1] * sim.signatures['a'] + occ[:, 1:] * sim.signatures['b']
    np.testing.assert_allclose(delta, expected, rtol=1e-4, atol=1e-4)
    assert 0 < occ[0, 0] < 1  # a soft boundary clip is part of the check


def test_noise_is_stationary_ar1():
    h, rho, scale = 64, 0.8, 0.5
    sim = TimelineFeatureSimulator(_concepts(), clip_stride=1.0, clip_length=1.0,
                                   feature_dim=2 * h, latent_dim=h, noise_rho=rho,
                                   noise_scale=scale)
    sim._projection = np.concatenate([np.eye(h), -np.eye(h)], 1).astype(np.float32)

    def latent(vid, duration):
        x = sim.simulate(_timeline(vid, duration, events=()))
        return (x[:, :h] - x[:, h:]).astype(np.float64)

    z = latent('long', 3000.0)
    n = z - z.mean(0)  # the appearance and scene vectors are constant in time
    np.testing.assert_allclose(n.var(), scale ** 2, rtol=0.1)
    lag1 = (n[1:] * n[:-1]).mean() / n.var()
    assert abs(lag1 - rho) < 0.05
    # the first clip has the stationary variance too: var(z_0 - z_49) = 2 s^2
    # (it would be (2 - rho^2) s^2 = 0.34 if the AR(1) started from zero)
    d = np.stack([(lambda z: z[0] - z[-1])(latent(f'v{i}', 50.0)) for i in range(100)])
    np.testing.assert_allclose(d.var(), 2 * scale ** 2, rtol=0.1)


@pytest.mark.parametrize('kwargs', [dict(text_relation=-0.1), dict(text_relation=1.01),
                                    dict(clip_stride=0.0), dict(clip_length=-1.0)])
def test_invalid_parameters_raise(kwargs):
    with pytest.raises(ValueError):
        TimelineFeatureSimulator(_concepts(), **kwargs, **SMALL)


# -------------------------------------------------------------------- writing
@pytest.mark.parametrize('name', ['feats.hdf5', 'feats.h5', 'feats_npy'])
def test_write_reads_back(tmp_path, name):
    sim = TimelineFeatureSimulator(_concepts(), **SMALL)
    tls = [_timeline('v1'), _timeline('v2', 3.0, 'Bedroom', ())]
    output = str(tmp_path / 'sub' / name)
    assert sim.write(tls, output, extra=dict(dataset='x')) == output
    reader = VideoFeatures(output)
    assert isinstance(reader, ArrayDirFeatures if name == 'feats_npy' else HDF5Features)
    for tl in tls:
        np.testing.assert_array_equal(reader[tl.vid], sim.simulate(tl))
    if name == 'feats_npy':
        assert sorted(os.listdir(output)) == ['v1.npy', 'v2.npy']
    else:
        with h5py.File(output, 'r') as f:  # flat layout
            assert sorted(f) == ['v1', 'v2'] and f['v1'].dtype == np.float32
    manifest = json.loads(Path(output + '.json').read_text())
    digests = {k: manifest.pop(k) for k in ('concepts_sha1', 'timelines_sha1')}
    assert all(len(v) == 40 for v in digests.values())
    assert manifest == dict(sim.params, num_videos=2, dataset='x')
    assert manifest['text_relation'] == 0.7 and manifest['feature_dim'] == 8
    assert not [f for f in os.listdir(tmp_path / 'sub') if f.startswith('.tmp')]


def _forbid_simulate(monkeypatch, sim):
    def fail(tl):
        raise AssertionError('rewrote an up-to-date output')
    monkeypatch.setattr(sim, 'simulate', fail)


@pytest.mark.parametrize('name', ['feats.hdf5', 'feats_npy'])
def test_write_skips_up_to_date_output(tmp_path, monkeypatch, name):
    tls = [_timeline('v1'), _timeline('v2', 3.0, 'Bedroom', ())]
    output = str(tmp_path / name)
    TimelineFeatureSimulator(_concepts(), **SMALL).write(tls, output)
    manifest_mtime = os.stat(output + '.json').st_mtime_ns

    same = TimelineFeatureSimulator(_concepts(), **SMALL)
    _forbid_simulate(monkeypatch, same)
    assert same.write(tls, output) == output
    assert os.stat(output + '.json').st_mtime_ns == manifest_mtime

    other = TimelineFeatureSimulator(_concepts(), text_relation=0.2, **SMALL)
    before = VideoFeatures(output)['v1']
    other.write(tls, output)
    after = VideoFeatures(output)['v1']
    np.testing.assert_array_equal(after, other.simulate(tls[0]))
    assert not np.array_equal(before, after)
    assert json.loads(Path(output + '.json').read_text())['text_relation'] == 0.2


def test_interrupted_rewrite_leaves_no_matching_manifest(tmp_path, monkeypatch):
    tls = [_timeline('v1'), _timeline('v2', 3.0)]
    output = str(tmp_path / 'feats_npy')
    first = TimelineFeatureSimulator(_concepts(), **SMALL)
    first.write(tls, output)
    other = TimelineFeatureSimulator(_concepts(), seed=5, **SMALL)
    calls = []

    def crash_on_second(tl, simulate=other.simulate):
        calls.append(tl.vid)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return simulate(tl)

    monkeypatch.setattr(other, 'simulate', crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        other.write(tls, output)  # v1.npy rewritten, v2.npy still the old one
    assert not os.path.exists(output + '.json')
    first.write(tls, output)  # must not keep the mixed folder
    for tl in tls:
        np.testing.assert_array_equal(ArrayDirFeatures(output)[tl.vid], first.simulate(tl))


def test_write_rewrites_other_videos_of_same_count(tmp_path):
    sim = TimelineFeatureSimulator(_concepts(), **SMALL)
    output = str(tmp_path / 'feats.hdf5')
    sim.write([_timeline('v1')], output)
    sim.write([_timeline('v2')], output)  # same params, same count, other video
    reader = VideoFeatures(output)
    assert 'v2' in reader
    np.testing.assert_array_equal(reader['v2'], sim.simulate(_timeline('v2')))


def test_write_rewrites_other_concept_vectors(tmp_path):
    tls = [_timeline('v1')]
    output = str(tmp_path / 'feats.hdf5')
    TimelineFeatureSimulator(_concepts(seed=0), text_relation=1.0, **SMALL).write(
        tls, output)
    sim = TimelineFeatureSimulator(_concepts(seed=1), text_relation=1.0, **SMALL)
    sim.write(tls, output)  # e.g. other word vectors
    np.testing.assert_array_equal(VideoFeatures(output)['v1'], sim.simulate(tls[0]))


def test_write_rewrites_missing_output(tmp_path):
    sim = TimelineFeatureSimulator(_concepts(), **SMALL)
    output = str(tmp_path / 'feats.hdf5')
    sim.write([_timeline('v1')], output)
    os.remove(output)
    sim.write([_timeline('v1')], output)
    assert os.path.isfile(output)


# --------------------------------------------------------- whole benchmarks
def test_simulate_charades(tmp_path, charades_root, glove):
    output = str(tmp_path / 'out' / 'charades.hdf5')
    assert simulate_charades(charades_root, output, glove, **SMALL) == output
    reader = VideoFeatures(output)
    sim = TimelineFeatureSimulator({'c': np.ones(8)}, **SMALL)
    with h5py.File(output, 'r') as f:
        assert sorted(f) == ['AAAAA', 'BBBBB', 'CCCCC']
    for vid, length in (('AAAAA', 10.0), ('BBBBB', 9.5), ('CCCCC', 6.0)):
        x = reader[vid]
        assert x.shape == (sim.num_clips(length), 8) and (x >= 0).all()
    assert reader['AAAAA'].shape[0] == 29
    manifest = json.loads(Path(output + '.json').read_text())
    assert manifest['dataset'] == 'charades-sta'
    assert manifest['num_videos'] == 3 and manifest['vids'] == 3
    assert manifest['text_relation'] == 0.7 and manifest['latent_dim'] == 16

    # a subset gets the same features as in the full run
    part = str(tmp_path / 'out' / 'part_npy')
    simulate_charades(charades_root, part, glove, vids=['BBBBB'], **SMALL)
    assert os.listdir(part) == ['BBBBB.npy']
    np.testing.assert_array_equal(ArrayDirFeatures(part)['BBBBB'], reader['BBBBB'])


def test_simulate_charades_text_relation(tmp_path, charades_root, glove):
    """``text_relation`` reaches the simulator and its manifest."""
    def features(k):
        out = str(tmp_path / f'k{k}.hdf5')
        simulate_charades(charades_root, out, glove, text_relation=k, feature_dim=4,
                          latent_dim=512)
        assert json.loads(Path(out + '.json').read_text())['text_relation'] == k
        return VideoFeatures(out)['AAAAA']

    x0, x1 = features(0.0), features(1.0)
    assert x0.shape == x1.shape and not np.array_equal(x0, x1)


def test_simulate_activitynet(tmp_path, anet_root, glove):
    output = str(tmp_path / 'anet.hdf5')
    simulate_activitynet(anet_root, output, glove, **SMALL)
    reader = VideoFeatures(output)
    with h5py.File(output, 'r') as f:
        assert sorted(f) == ['v_a', 'v_b', 'v_c']
    # clips of 0.5 s every 0.5 s
    assert reader['v_a'].shape == (40, 8) and reader['v_b'].shape == (60, 8)
    manifest = json.loads(Path(output + '.json').read_text())
    assert manifest['dataset'] == 'activitynet' and manifest['limit'] is None
    assert (manifest['clip_stride'], manifest['clip_length']) == (0.5, 0.5)
    assert manifest['num_videos'] == 3

    limited = str(tmp_path / 'anet_npy')
    simulate_activitynet(anet_root, limited, glove, limit=1, latent_dim=16)
    assert os.listdir(limited) == ['v_a.npy']
    x = ArrayDirFeatures(limited)['v_a']
    assert x.shape == (40, 500)  # the C3D-PCA dimension by default
    manifest = json.loads(Path(limited + '.json').read_text())
    assert manifest['limit'] == 1 and manifest['feature_dim'] == 500


def test_descriptions_are_centred_over_the_concepts():
    # Two concepts sharing a large common direction: after centring their
    # text parts are opposite, so at k = 1 the signatures are exact negatives.
    common = np.array([5.0, 5.0, 5.0, 5.0], np.float32)
    concepts = dict(a=common + np.array([1, 0, 0, 0], np.float32),
                    b=common + np.array([0, 1, 0, 0], np.float32),
                    c=np.zeros(4, np.float32))   # no known words: its own look
    sim = TimelineFeatureSimulator(concepts, text_relation=1.0, **SMALL)
    np.testing.assert_allclose(sim.signatures['a'], -sim.signatures['b'], atol=1e-5)
    own = TimelineFeatureSimulator(concepts, text_relation=0.0, **SMALL).signatures['c']
    np.testing.assert_allclose(sim.signatures['c'], own)
