"""Table cells of the benchmark report, and the mean ± std of a row over
seeds."""
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np

from ..visualization.metric_table import METRIC_KEYS

#: Suffix of the sample standard deviation over seeds of a metric key.
STD = '_std'
#: The numbers averaged over seeds.
SEED_KEYS = METRIC_KEYS + ('curve_corr',)


def fmt(value: Any) -> str:
    """A table cell: 2 decimals (3 significant digits below 1) for floats,
    '–' for missing."""
    if isinstance(value, float):
        return f'{value:.2f}' if value == 0 or abs(value) >= 1 else f'{value:.3g}'
    return '–' if value is None else str(value)


def md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(fmt(c) for c in row) + ' |' for row in rows]
    return '\n'.join(lines)


def metric_cells(metrics: Optional[Mapping[str, Any]],
                 keys: Sequence[str] = METRIC_KEYS) -> List[Any]:
    """The metric values of ``keys`` (``None`` where missing); ``'mean ± std'``
    where :func:`mean_std` gave a spread over seeds."""
    m = metrics or {}
    return [f'{fmt(m[k])} ± {fmt(m[k + STD])}' if m.get(k) is not None and k + STD in m
            else m.get(k) for k in keys]


def mean_std(per_seed: Sequence[Optional[Mapping[str, Any]]]) -> Optional[Dict[str, Any]]:
    """One metric dict from those of several seeds: the mean of each of
    :data:`SEED_KEYS`, its sample standard deviation under ``<key>_std``
    (two seeds or more), ``seeds`` the number of seeds that had the row;
    ``None`` when none had it."""
    found = [m for m in per_seed if m]
    if not found:
        return None
    out = dict(found[0], seeds=len(found))
    for k in SEED_KEYS:
        values = [m.get(k) for m in found]
        if all(isinstance(v, (int, float)) for v in values):
            out[k] = float(np.mean(values))
            if len(values) > 1:
                out[k + STD] = float(np.std(values, ddof=1))
    return out


def seed_tables(per_seed: Sequence[Mapping[str, Mapping[str, Any]]]) -> Dict[str, Dict[str, Any]]:
    """``{split: {row: mean_std}}`` from the ``{split: {row: metrics}}`` of each seed."""
    splits = dict.fromkeys(split for tables in per_seed for split in tables)
    return {split: {row: mean_std([t.get(split, {}).get(row) for t in per_seed])
                    for row in dict.fromkeys(r for t in per_seed for r in t.get(split, {}))}
            for split in splits}
