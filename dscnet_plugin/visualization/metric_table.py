"""Plain-text table of metric dicts, one row per method."""
from typing import Dict, Mapping, Optional, Sequence

METRIC_KEYS = ('R1@0.3', 'R1@0.5', 'R1@0.7', 'R5@0.3', 'R5@0.5', 'R5@0.7', 'mIoU')
#: Moment-retrieval keys (several windows a query, QVHighlights), shown when present.
RETRIEVAL_KEYS = ('mAP@0.5', 'mAP@0.75', 'mAP')


def format_metric_table(rows: Mapping[str, Mapping[str, object]],
                        keys: Optional[Sequence[str]] = None) -> str:
    """Format ``{method: {metric: value}}`` as an aligned text table.

    Args:
        rows: Metric dicts by method name, in display order.
        keys: Columns; defaults to the grounding metrics present in any row.

    Returns:
        The table, one line per method under a header line.
    """
    if keys is None:
        keys = [k for k in METRIC_KEYS + RETRIEVAL_KEYS if any(k in r for r in rows.values())]
    width = max([len('method')] + [len(name) for name in rows])
    head = 'method'.ljust(width) + ''.join(f'{k:>9}' for k in keys)
    lines = [head, '-' * len(head)]
    for name, metrics in rows.items():
        cells = ''.join(f'{metrics[k]:>9.2f}' if isinstance(metrics.get(k), float)
                        else f'{"-":>9}' for k in keys)
        lines.append(name.ljust(width) + cells)
    return '\n'.join(lines)


def metric_rows(named: Dict[str, Mapping[str, object]]) -> Dict[str, Mapping[str, object]]:
    """Strip an evaluator prefix (``test/R1@0.5`` -> ``R1@0.5``) from keys."""
    return {name: {k.split('/')[-1]: v for k, v in m.items()} for name, m in named.items()}
