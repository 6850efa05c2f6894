"""collapse_signs: which thresholds the diagnostics cross."""
from dscnet_plugin.engine.diagnostics import collapse_signs


def test_each_sign_at_its_threshold_and_missing_values_skipped():
    healthy = dict(encoder_cos=0.4, distinct_rows=8.0, projected_cos=0.5)
    assert collapse_signs(healthy) == []
    signs = collapse_signs(dict(encoder_cos=0.95, distinct_rows=1.0, projected_cos=0.97))
    assert signs == ['encoder output cosine 0.950 > 0.9',
                     'distinct label rows per (video, neck) 1.000 < 1.5',
                     'projected-centre cosine 0.970 > 0.95']
    assert collapse_signs(dict(encoder_cos=0.95), encoder_cos_max=0.96) == []
    assert collapse_signs(dict(distinct_rows=float('nan'))) == []
    assert collapse_signs({}) == []
