"""PlateauStopper: stop after ``patience`` steps without a rise > ``min_delta``."""
import pytest

from dscnet_plugin.engine import PlateauStopper


def _stop_step(values, **kwargs):
    stopper = PlateauStopper(**kwargs)
    for value in values:
        if stopper.step(value):
            return stopper.steps, stopper
    return None, stopper


def test_stops_after_patience_steps_without_a_rise_above_min_delta():
    # rises at steps 1, 2, 3; then +0.001 (not > 0.002), a fall, +0.002 (not >)
    values = [0.50, 0.60, 0.70, 0.701, 0.69, 0.702, 0.90]
    step, stopper = _stop_step(values, patience=3, min_delta=0.002)
    assert step == 6
    assert (stopper.best, stopper.best_step, stopper.stale) == (0.70, 3, 3)
    assert stopper.reason('token accuracy', 60) == (
        'token accuracy 0.700 (epoch 3) did not rise by > 0.002 for 3 epochs: '
        'stopped at epoch 6/60')
    # a rise resets the count; min_delta 0 counts any rise
    assert _stop_step(values, patience=3, min_delta=0.0)[0] is None
    assert _stop_step([0.5, 0.5, 0.6, 0.6, 0.6], patience=2)[0] == 5


def test_mode_min_follows_a_falling_loss():
    losses = [0.69, 0.60, 0.55, 0.548, 0.56, 0.546, 0.1]
    step, stopper = _stop_step(losses, patience=3, min_delta=0.005, mode='min')
    assert step == 6 and (stopper.best, stopper.best_step) == (0.55, 3)
    assert stopper.reason('L_cls', 8) == ('L_cls 0.550 (epoch 3) did not fall by > 0.005 for 3 '
                                          'epochs: stopped at epoch 6/8')
    assert _stop_step(losses, patience=3, mode='max')[0] == 4  # a fall is no rise


def test_none_never_stops_and_nan_is_no_rise():
    assert _stop_step([0.5] * 50, patience=None)[0] is None
    assert _stop_step([float('nan')] * 2, patience=2)[0] == 2
    step, stopper = _stop_step([0.3, float('nan'), 0.31], patience=5)
    assert step is None and stopper.best == 0.31 and stopper.stale == 0


@pytest.mark.parametrize('kwargs', [dict(patience=0), dict(patience=1.5), dict(patience=True),
                                    dict(patience=3, min_delta=-0.1), dict(mode='mean')])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError, match='patience|min_delta|mode'):
        PlateauStopper(**kwargs)
