"""Progress bars: drawn on a terminal, silent otherwise or when asked."""
import io
import sys

import pytest

from dscnet_plugin.utils import progress, progress_enabled, set_quiet, track


class _Tty(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def tty(monkeypatch):
    """A fake terminal; installed by the test body, since pytest's own capture
    replaces sys.stdout again between fixture set-up and the test call."""
    out = _Tty()
    monkeypatch.delenv('DSCNET_QUIET', raising=False)
    yield lambda: monkeypatch.setattr(sys, 'stdout', out) or out
    set_quiet(False)


def test_bar_drawn_on_a_terminal(tty):
    tty = tty()
    assert progress_enabled()
    assert list(track(range(5))) == [0, 1, 2, 3, 4]
    assert '5/5' in tty.getvalue()


def test_quiet_flag_and_environment_silence_the_bar(tty, monkeypatch):
    tty = tty()
    set_quiet(True)
    assert not progress_enabled()
    assert list(track([1, 2, 3])) == [1, 2, 3]
    set_quiet(False)
    monkeypatch.setenv('DSCNET_QUIET', '1')
    assert list(track([1, 2, 3])) == [1, 2, 3]
    assert tty.getvalue() == ''


def test_no_bar_when_stdout_is_not_a_terminal(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(sys, 'stdout', out)
    assert list(track(iter([7, 8]), total=2)) == [7, 8]
    assert out.getvalue() == ''
    assert progress._QUIET['value'] is False
