"""The ablation rows: overrides of settings that exist, paper keys that exist."""
from pathlib import Path

from mmengine.config import Config

from dscnet_plugin.benchmark.ablations import ABLATIONS, EXTRA_ABLATIONS
from dscnet_plugin.benchmark.paper_numbers import PAPER_NUMBERS

REPO = Path(__file__).resolve().parents[2]


def test_ablation_options_name_existing_settings():
    model = Config.fromfile(str(REPO / 'configs' / '_base_' / 'models' / 'dscnet.py')).model
    for a in ABLATIONS + EXTRA_ABLATIONS:
        assert a.paper is None or a.paper in PAPER_NUMBERS
        for key, value in a.cfg_options.items():
            node = model
            for part in key.split('.')[1:]:
                assert part in node, key
                node = node[part]
            assert value != node, key  # an actual change
