"""``tools/data/simulate_features.py --mode vlm`` on tiny fixture files."""
import json
from pathlib import Path

import numpy as np
import pytest

from tests.datasets.test_simulation import _lines, write_charades_root, write_glove
from tests.tool_loader import load_tool

tool = load_tool('tools/data/simulate_features.py')


def test_vlm_mode_writes_the_layout(tmp_path):
    root = write_charades_root(tmp_path / 'data')
    _lines(Path(root) / 'charades' / 'Charades_v1_classes.txt',
           ('c000 Holding a cup', 'c001 Drinking from a cup', 'c002 Sitting in a chair'))
    out = tmp_path / 'out'
    tool.main(['--mode', 'vlm', '--dataset', 'charades-sta', '--data-root', root,
               '--out', str(out), '--alignment', '0.25', '--glove',
               write_glove(tmp_path / 'g.txt'), '--quiet'])
    assert json.loads((out / 'simulation.json').read_text())['alignment'] == 0.25
    assert (out / 'train.jsonl').is_file() and (out / 'test.jsonl').is_file()
    with np.load(out / 'video_features' / 'AAAAA.npz') as z:
        assert z['features'].shape == (10, 512)
    with np.load(out / 'text_features' / 'qid3.npz') as z:
        assert z['pooler_output'].shape == (512,)


@pytest.mark.parametrize('argv', [
    ['--mode', 'vlm', '--out', 'x'],                                    # no --dataset
    ['charades', '--mode', 'vlm', '--dataset', 'charades-sta', '--out', 'x'],
    ['--mode', 'vlm', '--dataset', 'qvhighlights', '--alignment', '2', '--out', 'x'],
    ['--out', 'x'],                                                     # c3d: no dataset
])
def test_vlm_mode_bad_arguments_exit_with_usage(argv):
    with pytest.raises(SystemExit) as info:
        tool.parse_args(argv)
    assert info.value.code == 2
