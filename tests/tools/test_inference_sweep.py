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


def test_fitted_temperature_settings():
    assert inference_sweep.parse_setting('fit:0.9') == dict(temperature='fit', threshold=0.9)
    assert inference_sweep.parse_setting('prop:fit:all') == dict(temperature='fit',
                                                                 scales='all')


@pytest.mark.parametrize('text', ['prop:x:ch', 'prop:8:none', '4', '4:0.9:1', 'a:b',
                                  '0:0.9', 'prop:-1:ch', 'fitted:0.9'])
def test_bad_settings_name_the_argument(text):
    with pytest.raises(argparse.ArgumentTypeError, match=repr(text)):
        inference_sweep.parse_setting(text)
