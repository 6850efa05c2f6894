"""Strict parsing of times and durations (``parse_seconds``)."""
import math

import pytest

from dscnet_plugin.datasets.annotations import parse_seconds


@pytest.mark.parametrize('text, value', [
    ('12', 12.0), ('-1.5', -1.5), ('+2', 2.0), ('.5', 0.5), ('3.', 3.0), ('1e3', 1000.0),
    ('2.5E-1', 0.25), (' 7.25\t', 7.25), (4, 4.0), (2.5, 2.5),
    pytest.param(10 ** 400, math.inf, id='huge-int'),
    pytest.param(-10 ** 400, -math.inf, id='huge-negative-int')])
def test_numbers_are_read(text, value):
    assert parse_seconds(text) == value


@pytest.mark.parametrize('text', ['nan', 'NaN', 'inf', '-Infinity'])
def test_nan_and_inf_are_read_for_the_finite_checks_to_name_them(text):
    assert not math.isfinite(parse_seconds(text))


@pytest.mark.parametrize('text', ['1_0', '٣', '８', '0x10', '1e', '.', '', '1,5', '2 3',
                                  'ten', True, False, None, [1.0], '1.2.3'])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        parse_seconds(text)
