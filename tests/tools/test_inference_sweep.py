"""tools/analysis/inference_sweep.py: the setting parser."""
import argparse
import os.path as osp
import sys

import pytest

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', 'tools', 'analysis'))
import inference_sweep  # noqa: E402


def test_region_growing_setting():
    assert inference_sweep.parse_setting('4:0.9') == dict(temperature=4.0, threshold=0.9)


def test_proposal_setting_and_charades_scales():
    assert inference_sweep.parse_setting('prop:8:ch') == dict(temperature=8.0, scales='ch')
    assert inference_sweep.SCALES['ch'] == (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)


@pytest.mark.parametrize('text', ['prop:x:ch', 'prop:8:none', '4', '4:0.9:1', 'a:b'])
def test_bad_settings_name_the_argument(text):
    with pytest.raises(argparse.ArgumentTypeError, match=repr(text)):
        inference_sweep.parse_setting(text)
