"""The ablation rows of the paper's Tables 2-4 (losses, centre selection,
neck number ``N_e``, iterations ``L``) as overrides of the reference
DSCNet config."""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .paper_numbers import PAPER_NUMBERS


@dataclass(frozen=True)
class Ablation:
    """One row of the ablation tables.

    Attributes:
        table: Group title (paper table).
        name: Row name.
        cfg_options: Overrides of the reference DSCNet config.
        paper: Key of :data:`PAPER_NUMBERS` (``None``: no paper row).
        iterations: ``L`` of the row; rows of the iteration group are read
            from one run with the largest ``L`` (evaluated after each
            iteration; the schedule has no learning-rate decay, so a run
            with fewer iterations is that run stopped early).
    """

    table: str
    name: str
    cfg_options: Mapping[str, Any] = field(default_factory=dict)
    paper: Optional[str] = None
    iterations: Optional[int] = None


_LOSS = 'model.{side}_losses.{name}.loss_weight'


def _drop(*terms: Tuple[str, str]) -> Dict[str, float]:
    """cfg-options setting the weight of each ``(side, name)`` loss to 0."""
    return {_LOSS.format(side=side, name=name): 0.0 for side, name in terms}


MSE, DQA = ('language', 'mse'), ('language', 'dqa')
SAB, TRIP = ('video', 'sab'), ('video', 'trip')
T2, T3 = 'Table 2: losses', 'Table 3: centre selection'
T4N, T4L = 'Table 4: neck number N_e', 'Table 4: iterations L'

#: Every ablation row of the full run (the quick run keeps a subset).
ABLATIONS: List[Ablation] = [
    Ablation(T2, 'all losses (reference)', {}, 'table2/full'),
    Ablation(T2, '- L_mse (alpha_w = 0)', _drop(MSE)),
    Ablation(T2, '- L_dqa (beta_w = 0)', _drop(DQA)),
    Ablation(T2, '- L_sab (alpha_v = 0)', _drop(SAB), 'table2/no_sab'),
    Ablation(T2, '- L_trip (beta_v = 0)', _drop(TRIP), 'table2/no_trip'),
    Ablation(T3, 'cluster center (reference)', {}, 'table3/center'),
    Ablation(T3, 'cluster sample', {'model.clusterer.center_mode': 'sample'}, 'table3/sample'),
    Ablation(T3, 'random', {'model.clusterer.center_mode': 'random'}, 'table3/random'),
    Ablation(T4N, 'N_e = 2', {'model.text_encoder.num_necks': 2}, 'table4/necks2'),
    Ablation(T4N, 'N_e = 4 (reference)', {}, 'table4/necks4'),
    Ablation(T4N, 'N_e = 8', {'model.text_encoder.num_necks': 8}, 'table4/necks8'),
]


def iteration_rows(values: Sequence[int], reference: Optional[int] = None) -> List[Ablation]:
    """The rows of the iteration group (Table 4), ``L`` in ``values``;
    ``reference``: the ``L`` of the plan's reference run (marked so), if
    among them."""
    return [Ablation(T4L, f'L = {n}' + (' (reference)' if n == reference else ''), {},
                     f'table4/iter{n}' if f'table4/iter{n}' in PAPER_NUMBERS else None,
                     iterations=n) for n in values]


#: ``L`` of the full plan's iteration rows (the paper's Table 4).
FULL_ITERATIONS = (1, 3, 5, 7)
ABLATIONS += iteration_rows(FULL_ITERATIONS)
#: Further rows with paper numbers (the paper's additive rows of Table 2), left
#: out of the full run for time (about 8 min each); add them to ABLATIONS to run.
EXTRA_ABLATIONS: List[Ablation] = [
    Ablation(T2, '- L_sab - L_trip', _drop(SAB, TRIP), 'table2/no_sab_trip'),
    Ablation(T2, '- L_mse - L_sab - L_trip', _drop(MSE, SAB, TRIP), 'table2/no_mse_sab_trip'),
    Ablation(T2, 'baseline: L_cel + L_cls only', _drop(MSE, DQA, SAB, TRIP), 'table2/baseline'),
]
#: Rows the quick run keeps besides its iteration rows (one of each kind).
QUICK_ABLATIONS = ('all losses (reference)', '- L_sab (alpha_v = 0)',
                   'cluster center (reference)', 'random', 'N_e = 2', 'N_e = 4 (reference)')
