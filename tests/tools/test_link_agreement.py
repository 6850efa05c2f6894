"""tools/analysis/link_agreement.py on the tiny demo data with the gated config."""
import json

from tests.engine.tiny_config import REPO, make_tiny_cfg
from tests.tool_loader import load_tool

tool = load_tool('tools/analysis/link_agreement.py')


def test_link_agreement_lists_every_start_against_the_best(tmp_path):
    cfg = make_tiny_cfg(tmp_path / 'data', tmp_path / 'unused',
                        config=REPO / 'configs' / 'dscnet_demo_transport_gated.py')
    cfg.model.pseudo_labeller.activity.pop('num_iters', None)  # an N-cut field
    config = tmp_path / 'gated.py'
    cfg.dump(str(config))
    out = tmp_path / 'optima.json'
    result = tool.main([str(config), '--starts', '3', '--out', str(out),
                        '--work-dir', str(tmp_path / 'wd'), '--threads', '1'])
    assert json.loads(out.read_text()) == result
    optima = result['optima']
    assert sorted(r['start'] for r in optima) == [0, 1, 2]
    objectives = [r['objective'] for r in optima]
    assert objectives == sorted(objectives)                       # best first
    assert abs(optima[0]['agreement_with_best'] - 1) < 1e-9
    assert all(-1 <= r['agreement_with_best'] <= 1 + 1e-9 for r in optima)
    best = optima[0]['start']
    assert [result['agreement'][best][r['start']] for r in optima] == [
        r['agreement_with_best'] for r in optima]
