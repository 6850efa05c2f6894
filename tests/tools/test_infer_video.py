"""``tools/infer.py CONFIG --video clip.mp4``: a generated video grounded
with the training-free vision-language config and a tiny local CLIP (no
checkpoint), and its one-line errors."""
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip('transformers')
pytest.importorskip('av')
from dscnet_plugin.apis import video_inputs  # noqa: E402
from tests.tool_loader import load_tool  # noqa: E402
from tests.vlm.tiny_clip import save_tiny_clip, write_colour_video  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CONFIG = str(REPO / 'configs' / 'zeroshot_vlm_charades-sta.py')
QUERIES = ['a man walks', 'the red dog opens the door']
tool = load_tool('tools/infer.py')


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp('infer_video')
    return dict(clip=str(save_tiny_clip(root / 'clip')),
                video=str(write_colour_video(root / 'colours.mp4')), root=root)


def _args(files, *extra, config=CONFIG, video=None):
    return [config, '--video', video or files['video'], '--query', QUERIES[0],
            '--clip-model', files['clip'], '--device', 'cpu', *extra]


def _fails(argv):
    """The one-line message the tool exits with."""
    with pytest.raises(SystemExit) as info:
        tool.run_tool(lambda: tool.main(argv))
    message = info.value.code
    assert isinstance(message, str) and message.startswith('error: ')
    assert '\n' not in message and 'Traceback' not in message
    return message


def test_grounds_a_video_file(files, tmp_path, capsys):
    out, png = tmp_path / 'out' / 'r.json', tmp_path / 'out' / 'curve.png'
    tool.main(_args(files, '--query', QUERIES[1], '--top-k', '3', '--out', str(out),
                    '--show', str(png)))
    printed = capsys.readouterr().out
    assert f'[1] "{QUERIES[0]}"  (video {files["video"]}, 3.00 s)' in printed
    assert f'[2] "{QUERIES[1]}"' in printed and 'start (s)' in printed
    results = json.loads(out.read_text(encoding='utf-8'))
    assert [r['query'] for r in results] == QUERIES
    for r in results:
        assert r['unit'] == 'seconds' and r['duration'] == pytest.approx(3.0)
        seg = np.asarray(r['segments'])
        assert seg.shape == (3, 2) and (seg >= 0).all() and (seg <= 3.0 + 1e-9).all()
        assert len(r['frame_scores']) == 3
    start, end = results[0]['segments'][0]
    assert f'{1:>4}  {start:>12.2f}  {end:>12.2f}  {results[0]["scores"][0]:>7.3f}' in printed
    assert not np.allclose(results[0]['frame_scores'], results[1]['frame_scores'])
    from matplotlib.image import imread
    image = imread(str(png))
    assert image.ndim == 3 and image.shape[0] >= 300 and image.shape[1] >= 600


def test_clip_seconds_option(files, tmp_path):
    tool.main(_args(files, '--clip-seconds', '0.5', '--out', str(tmp_path / 'r.json')))
    result, = json.loads((tmp_path / 'r.json').read_text(encoding='utf-8'))
    assert len(result['frame_scores']) == 6  # ceil(3 s / 0.5 s)
    assert result['duration'] == pytest.approx(3.0)


def test_video_file_for_a_feature_model(files):
    message = _fails(_args(files, config=str(REPO / 'configs' / 'dscnet_charades.py')))
    assert f'error: {files["video"]} is a video file, but the model of ' in message
    assert '(DSCNet) reads pre-extracted video features' in message
    assert 'configs/zeroshot_vlm_charades-sta.py' in message


def test_undecodable_video_is_named(files, tmp_path):
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'\x00\x01garbage' * 50)
    message = _fails(_args(files, video=str(broken)))
    assert message.startswith(f'error: {broken}: not a video FFmpeg can read')


def test_missing_extra_points_to_it(files, monkeypatch):
    real = video_inputs.find_spec
    monkeypatch.setattr(video_inputs, 'find_spec',
                        lambda name: None if name == 'transformers' else real(name))
    message = _fails(_args(files))
    assert 'needs transformers, not installed' in message
    assert "the [vlm] extra (pip install -e '.[vlm]')" in message


def test_duration_and_clip_seconds_checks(files):
    assert 'is read from the video file' in _fails(_args(files, '--duration', '3'))
    assert 'clip_seconds must be a positive' in _fails(_args(files, '--clip-seconds', '0'))
