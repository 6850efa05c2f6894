"""A stopping rule: stop when a monitored value stops improving."""
from typing import Optional


class PlateauStopper:
    """Stop after ``patience`` steps in a row in which the value did not
    improve by more than ``min_delta`` on the best value so far (``mode
    'max'``: rise above it, e.g. token accuracy; ``'min'``: fall below it,
    e.g. a loss).

    ``step(value)`` is called once per epoch with the monitored value and
    returns whether to stop now. ``patience=None`` never stops (a fixed
    number of epochs, the paper's schedule).

    Args:
        patience: Steps without an improvement after which to stop; None:
            never.
        min_delta: An improvement counts when ``value > best + min_delta``
            (``'max'``) or ``value < best - min_delta`` (``'min'``).
        mode: ``'max'`` or ``'min'``.

    Attributes:
        best: Best value so far (None before the first step).
        best_step: 1-based step of ``best``.
        steps: Steps taken.
        stale: Steps since the last improvement.
    """

    def __init__(self, patience: Optional[int] = None, min_delta: float = 0.0,
                 mode: str = 'max') -> None:
        if patience is not None and (isinstance(patience, bool) or not isinstance(patience, int)
                                     or patience < 1):
            raise ValueError(f'patience must be a positive int or None, got {patience!r}')
        if not min_delta >= 0:
            raise ValueError(f'min_delta must be >= 0, got {min_delta!r}')
        if mode not in ('max', 'min'):
            raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
        self.patience = patience
        self.min_delta = float(min_delta)
        self.mode = mode
        self.best: Optional[float] = None
        self.best_step = 0
        self.steps = 0
        self.stale = 0

    def _improves(self, value: float) -> bool:
        if value != value:  # nan
            return False
        if self.best is None:
            return True
        if self.mode == 'max':
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def step(self, value: float) -> bool:
        """Record one value; True when training should stop after it. A nan
        value never counts as an improvement."""
        self.steps += 1
        value = float(value)
        if self._improves(value):
            self.best, self.best_step, self.stale = value, self.steps, 0
            return False
        self.stale += 1
        return self.patience is not None and self.stale >= self.patience

    def reason(self, name: str, max_steps: int) -> str:
        """Why it stopped, e.g. ``'token accuracy 0.913 (epoch 14) did not
        rise by > 0.002 for 3 epochs: stopped at epoch 17/60'`` (the best
        value and its epoch; ``fall`` in mode ``'min'``)."""
        best = 'nan' if self.best is None else f'{self.best:.3f}'
        verb = 'rise by >' if self.mode == 'max' else 'fall by >'
        return (f'{name} {best} (epoch {self.best_step}) did not {verb} '
                f'{self.min_delta:g} for {self.stale} epochs: stopped at epoch '
                f'{self.steps}/{max_steps}')
