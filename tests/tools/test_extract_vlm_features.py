"""``tools/data/extract_vlm_features.py``: a generated video and an annotation
file through a tiny local CLIP, into the moment_detr layout."""
import json
import math
import os

import numpy as np
import pytest

from tests.tool_loader import load_tool
from tests.vlm.tiny_clip import PROJECTION_DIM, save_tiny_clip, write_colour_video

pytest.importorskip('transformers')
pytest.importorskip('av')
from dscnet_plugin.datasets.annotations.durations import load_durations  # noqa: E402
from dscnet_plugin.utils import run_tool  # noqa: E402

tool = load_tool('tools/data/extract_vlm_features.py')
QUERIES = [dict(qid=7, query='a man walks', vid='colours', duration=3.0,
                relevant_windows=[[0, 1]]),
           dict(qid='x9', query='the red dog opens the door', vid='colours', duration=3.0,
                relevant_windows=[[1, 2], [2, 3]])]


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('extract')
    model = save_tiny_clip(root / 'clip')
    videos = [write_colour_video(root / 'colours.mp4'),
              write_colour_video(root / 'short.mp4', seconds=2, fps=5)]
    ann = root / 'queries.jsonl'
    ann.write_text(''.join(json.dumps(q) + '\n' for q in QUERIES))
    return dict(model=str(model), videos=[str(v) for v in videos], ann=str(ann))


def run(setup, out, *extra, videos=None):
    return tool.main([*(videos or setup['videos']), '--out', str(out), '--model',
                      setup['model'], '--clip-seconds', '1', '--annotations', setup['ann'],
                      '--device', 'cpu', '--quiet', *extra])


def load(path):
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def test_extracts_videos_durations_and_queries(setup, tmp_path):
    result = run(setup, tmp_path)
    assert result['videos'] == {'colours': 3, 'short': 2}
    durations = load_durations(str(tmp_path / 'durations.json'))
    assert durations == pytest.approx({'colours': 3.0, 'short': 2.0})
    for vid, seconds in durations.items():
        feats = load(tmp_path / 'video_features' / f'{vid}.npz')
        assert list(feats) == ['features']
        f = feats['features']
        assert f.shape == (math.ceil(seconds / 1.0), PROJECTION_DIM) and f.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(f, axis=1), 1.0, atol=1e-5)
    f = load(tmp_path / 'video_features' / 'colours.npz')['features']
    sims = f @ f.T
    assert sims[~np.eye(3, dtype=bool)].max() < 0.999  # each coloured second its own row
    assert result['queries'] == {'7': 5, 'x9': result['queries']['x9']}
    for qid, length in result['queries'].items():
        q = load(tmp_path / 'text_features' / f'qid{qid}.npz')
        assert set(q) == {'pooler_output', 'last_hidden_state'}
        assert q['pooler_output'].shape == (PROJECTION_DIM,)
        assert q['last_hidden_state'].shape == (length, PROJECTION_DIM)
    # deterministic: a recomputation gives the same numbers
    again = tmp_path / 'again'
    run(setup, again, '--query-name-format', '{qid}.npz')
    np.testing.assert_array_equal(
        load(again / 'video_features' / 'colours.npz')['features'], f)
    np.testing.assert_array_equal(load(again / 'text_features' / '7.npz')['pooler_output'],
                                  load(tmp_path / 'text_features' / 'qid7.npz')['pooler_output'])


def test_resumes_where_it_stopped(setup, tmp_path):
    run(setup, tmp_path)
    feats = tmp_path / 'video_features'
    kept = os.stat(feats / 'colours.npz').st_mtime_ns
    (feats / 'short.npz').write_bytes(b'half a file')  # a damaged output is redone
    os.remove(tmp_path / 'text_features' / 'qidx9.npz')
    result = run(setup, tmp_path)
    assert result == dict(videos={'short': 2}, queries={'x9': result['queries']['x9']})
    assert os.stat(feats / 'colours.npz').st_mtime_ns == kept
    assert load(feats / 'short.npz')['features'].shape == (2, PROJECTION_DIM)
    assert run(setup, tmp_path) == dict(videos={}, queries={})
    assert sorted(os.listdir(feats)) == ['colours.npz', 'short.npz']  # no temporary files
    assert run(setup, tmp_path, '--overwrite')['videos'] == {'colours': 3, 'short': 2}


def test_bad_video_and_model_are_clear_errors(setup, tmp_path):
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'\x00not a video' * 50)
    with pytest.raises(SystemExit) as err:
        run_tool(lambda: run(setup, tmp_path / 'out', videos=[setup['videos'][0],
                                                               str(broken)]))
    assert str(err.value).startswith('error: ') and 'broken.mp4' in str(err.value)
    # the video before it is kept, so a rerun without it resumes
    assert (tmp_path / 'out' / 'video_features' / 'colours.npz').is_file()
    with pytest.raises(SystemExit, match=r'error: .*no_model: CLIP model folder not found'):
        run_tool(lambda: tool.main([setup['videos'][0], '--out', str(tmp_path / 'o2'),
                                    '--model', str(tmp_path / 'no_model'), '--quiet']))
    bad_ann = tmp_path / 'bad.jsonl'
    bad_ann.write_text('{"qid": 1, "query": "a man walks"}\n{"qid": 2}\n')
    with pytest.raises(SystemExit, match=r'error: .*bad.jsonl, line 2: query is None'):
        run_tool(lambda: tool.main([setup['videos'][0], '--out', str(tmp_path / 'o3'),
                                    '--model', setup['model'], '--annotations',
                                    str(bad_ann), '--quiet']))
    assert not (tmp_path / 'o3').exists()  # refused before any work
