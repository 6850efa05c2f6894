"""Metric rows shared by the benchmark tests."""

METRICS = {'R1@0.3': 40.0, 'R1@0.5': 25.5, 'R1@0.7': 10.0, 'R5@0.3': 90.0,
           'R5@0.5': 70.0, 'R5@0.7': 30.0, 'mIoU': 28.0}


def shifted(delta: float) -> dict:
    """:data:`METRICS` with every value moved by ``delta``."""
    return {k: v + delta for k, v in METRICS.items()}
