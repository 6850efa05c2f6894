"""Own videos end to end: generated ``.mp4`` files through the tiny local
CLIP (``tools/data/extract_vlm_features.py``), DSCNet-VLM trained on them
(``tools/train.py``, unpaired videos and queries) and the trained model
grounding a sentence in a video file (``tools/infer.py``)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip('transformers')
pytest.importorskip('av')
from tests.vlm.tiny_clip import PROJECTION_DIM, save_tiny_clip, write_colour_video  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
RED, GREEN, BLUE = (230, 20, 20), (20, 200, 40), (30, 40, 220)
#: video -> the colour of each of its 4 seconds
VIDEOS = {f'v{i}': order for i, order in enumerate([
    (GREEN, RED, GREEN, GREEN), (BLUE, BLUE, RED, BLUE), (GREEN, GREEN, BLUE, GREEN),
    (RED, GREEN, GREEN, GREEN), (BLUE, RED, BLUE, BLUE), (GREEN, BLUE, GREEN, GREEN)])}
WORD = {RED: 'red', BLUE: 'blue', GREEN: 'a man walks'}


def _tool(*args, timeout=300):
    proc = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc.stdout + proc.stderr


def _queries(vids, first_qid):
    """One query per video: the colour it shows one second of."""
    rows = []
    for vid in vids:
        colours = VIDEOS[vid]
        odd = next(c for c in colours if colours.count(c) == 1)
        k = colours.index(odd)
        rows.append(dict(qid=first_qid + len(rows), query=f'the {WORD[odd]} door', vid=vid,
                         duration=4.0, relevant_windows=[[float(k), float(k + 1)]]))
    return rows


def test_videos_to_features_to_training_to_grounding(tmp_path):
    clip = save_tiny_clip(tmp_path / 'clip')
    videos = [str(write_colour_video(tmp_path / f'{vid}.mp4', seconds=4, colours=order))
              for vid, order in VIDEOS.items()]
    data = tmp_path / 'data'
    train, test = _queries(['v0', 'v1', 'v2', 'v3'], 0), _queries(['v4', 'v5'], 4)
    data.mkdir()
    for name, rows in (('train', train), ('test', test)):
        (data / f'{name}.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in rows))
    both = tmp_path / 'all.jsonl'
    both.write_text((data / 'train.jsonl').read_text() + (data / 'test.jsonl').read_text())
    _tool('tools/data/extract_vlm_features.py', *videos, '--out', str(data), '--model',
          str(clip), '--clip-seconds', '1', '--annotations', str(both), '--device', 'cpu',
          '--quiet')
    assert len(list((data / 'video_features').glob('*.npz'))) == 6
    assert len(list((data / 'text_features').glob('qid*.npz'))) == 6

    dim = str(PROJECTION_DIM)
    work = tmp_path / 'work'
    log = _tool('tools/train.py', 'configs/dscnet_vlm_charades-sta.py', '--work-dir', str(work),
                '--cfg-options', f'data_root={data}', f'model.feature_dim={dim}',
                f'video_features.feature_dim={dim}', f'text_features.feature_dim={dim}',
                'model.clusterer.num_clusters=2', 'custom_hooks.1.iterations=2',
                'train_dataloader.batch_size=2', 'randomness.seed=0')
    assert 'DSCNet-VLM (other-video queries)' in log and 'FrequencyPrior' in log
    checkpoint = work / 'epoch_2.pth'
    assert checkpoint.is_file()

    out = tmp_path / 'grounded.json'
    _tool('tools/infer.py', 'configs/dscnet_vlm_charades-sta.py', str(checkpoint),
          '--video', videos[4], '--query', 'the red door', '--query', 'the blue door',
          '--clip-model', str(clip), '--device', 'cpu', '--out', str(out),
          '--cfg-options', f'data_root={data}', f'model.feature_dim={dim}',
          f'video_features.feature_dim={dim}', f'text_features.feature_dim={dim}',
          'model.clusterer.num_clusters=2')
    results = json.loads(out.read_text())
    assert [r['query'] for r in results] == ['the red door', 'the blue door']
    for r in results:
        assert r['unit'] == 'seconds' and r['duration'] == pytest.approx(4.0)
        assert all(0.0 <= s <= e <= 4.0 + 1e-9 for s, e in r['segments'])
    assert results[0]['frame_scores'] != results[1]['frame_scores']
