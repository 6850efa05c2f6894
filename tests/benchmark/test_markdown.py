"""The report's marked sections: rewritten, the hand-written rest kept."""
from dscnet_plugin.benchmark.markdown import SECTIONS, marked, replace_marked, update_markdown


def test_replace_marked_keeps_text_outside_the_markers():
    text = ('# Title\nhand-written intro\n\n' + marked('accuracy', 'old table')
            + '\n\nmy discussion\n' + marked('speed', 'old speed') + '\ntail\n')
    out = replace_marked(text, 'accuracy', '| new | table |')
    assert '| new | table |' in out and 'old table' not in out
    assert 'old speed' in out  # other sections untouched
    for kept in ('# Title\nhand-written intro\n', '\n\nmy discussion\n', '\ntail\n'):
        assert kept in out
    # rewriting twice gives the same file (no growth)
    assert replace_marked(out, 'accuracy', '| new | table |') == out


def test_replace_marked_appends_missing_sections():
    out = replace_marked('hand-written only\n', 'speed', 'numbers')
    assert out.startswith('hand-written only\n')
    assert out.rstrip().endswith(marked('speed', 'numbers'))


def test_update_markdown_creates_then_preserves_hand_written_text(tmp_path):
    path = tmp_path / 'docs' / 'benchmarks.md'
    update_markdown(str(path), {'accuracy': 'TABLE-1'})
    text = path.read_text()
    assert 'TABLE-1' in text and '## Ablations' in text
    assert 'TO BE WRITTEN' in text and 'To be written' in text  # placeholders
    assert text.count('_Not run yet._') == len(SECTIONS)  # run + 2 others
    edited = text.replace('_TO BE WRITTEN after the run (hand-written)', 'We find X')
    path.write_text(edited)
    update_markdown(str(path), {'accuracy': 'TABLE-2', 'speed': 'SPEED'})
    final = path.read_text()
    assert 'We find X' in final and 'TABLE-2' in final and 'SPEED' in final
    assert 'TABLE-1' not in final
