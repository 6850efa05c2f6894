"""Which collapse signs a set of training diagnostics shows."""
from typing import Dict, List


def collapse_signs(stats: Dict[str, float], encoder_cos_max: float = 0.9,
                   distinct_rows_min: float = 1.5,
                   projected_cos_max: float = 0.95) -> List[str]:
    """The collapse signs in ``stats``, as short phrases (empty: none).

    Args:
        stats: Diagnostics; the keys looked at (a missing or nan one is
            skipped): ``encoder_cos`` (mean pairwise cosine of encoder
            outputs), ``distinct_rows`` (mean distinct label rows per
            (video, neck)), ``projected_cos`` (the highest over necks of the
            mean off-diagonal cosine of the projected centres).
        encoder_cos_max: Encoder cosine above this is a collapsed encoder.
        distinct_rows_min: Fewer distinct rows than this: centre-free labels.
        projected_cos_max: Projected-centre cosine above this: centres that
            the head cannot tell apart.
    """
    signs = []
    checks = (('encoder_cos', '>', encoder_cos_max, 'encoder output cosine'),
              ('distinct_rows', '<', distinct_rows_min, 'distinct label rows per (video, neck)'),
              ('projected_cos', '>', projected_cos_max, 'projected-centre cosine'))
    for key, op, limit, text in checks:
        value = stats.get(key, float('nan'))
        if value != value:
            continue
        if (value > limit) if op == '>' else (value < limit):
            signs.append(f'{text} {value:.3f} {op} {limit:g}')
    return signs
