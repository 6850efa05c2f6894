"""A user's pseudo-labeller (``docs/examples/my_labeller.py``) plugged into
DSCNet through a config's ``custom_imports``, without editing the package."""
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from dscnet_plugin.registry import MODELS, PSEUDO_LABELLERS
from tests.engine.tiny_config import TINY_CLUSTERS, TINY_FRAMES, TINY_GENERATOR, make_tiny_cfg

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / 'docs' / 'examples'


@pytest.fixture
def examples_on_path(monkeypatch):
    """``docs/examples`` importable; the example module and its registry
    entry are removed afterwards so other tests see the package as shipped."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    assert 'my_labeller' not in sys.modules
    yield
    sys.modules.pop('my_labeller', None)
    PSEUDO_LABELLERS._module_dict.pop('MyLabeller', None)


def runs(row: torch.Tensor):
    """``[(start, end)]`` of the runs of True in a 1-D bool tensor."""
    out, start = [], None
    for t, v in enumerate(row.tolist() + [False]):
        if v and start is None:
            start = t
        elif not v and start is not None:
            out.append((start, t))
            start = None
    return out


def test_custom_labeller_from_custom_imports(tmp_path, monkeypatch, examples_on_path):
    monkeypatch.chdir(tmp_path)
    # the tiny demo config as the base, relative paths (fast yapf formatting)
    make_tiny_cfg(Path('data'), Path('work')).dump(str(tmp_path / 'tiny_base.py'))
    (tmp_path / 'my_cfg.py').write_text(
        "_base_ = ['./tiny_base.py']\n"
        "custom_imports = dict(imports=['my_labeller'], allow_failed_imports=False)\n"
        "model = dict(pseudo_labeller=dict(_delete_=True, type='MyLabeller', width=0.25))\n")
    assert PSEUDO_LABELLERS.get('MyLabeller') is None

    cfg = Config.fromfile('my_cfg.py')  # imports my_labeller: registers MyLabeller
    assert 'my_labeller' in sys.modules
    my_labeller = sys.modules['my_labeller'].MyLabeller
    assert PSEUDO_LABELLERS.get('MyLabeller') is my_labeller
    # _delete_ dropped the NCutLabeller keys of the base config
    assert cfg.model.pseudo_labeller.to_dict() == dict(type='MyLabeller', width=0.25)

    with DefaultScope.overwrite_default_scope('dscnet_plugin'):
        model = MODELS.build(cfg.model)
    assert type(model.pseudo_labeller) is my_labeller
    assert model.pseudo_labeller.width == 0.25

    model.eval()
    num_necks = model.num_necks
    gen = torch.Generator().manual_seed(0)
    model.set_centers(torch.randn(model.centers.shape, generator=gen))
    feats = torch.randn(3, TINY_FRAMES, TINY_GENERATOR['feature_dim'], generator=gen)
    mask = torch.ones(3, TINY_FRAMES, dtype=torch.bool)
    mask[2, 12:] = False  # a padded video: 12 real frames
    labels = model.compute_labels(feats, mask, list(range(num_necks)))

    assert labels.dtype == torch.bool
    assert labels.shape == (3, num_necks, TINY_CLUSTERS, TINY_FRAMES)
    assert not labels[2, ..., 12:].any()
    # MyLabeller's mark: one contiguous segment of round(0.25 * real frames)
    for b, real in enumerate([TINY_FRAMES, TINY_FRAMES, 12]):
        for row in labels[b].flatten(0, 1):
            segments = runs(row)
            assert len(segments) == 1, segments
            start, end = segments[0]
            assert end - start == round(0.25 * real) and end <= real
