"""The paper's numbers (Liu et al., AAAI 2022, real C3D features) that the
benchmark prints beside its own: Table 1 (DSCNet, unsupervised) and the
ablations of Tables 2-4."""
from typing import Dict

# Paper numbers (Liu et al., AAAI 2022; real C3D features, Charades-STA unless
# stated). Columns R1@0.3 R1@0.5 R1@0.7 R5@0.3 R5@0.5 R5@0.7 (None: not given).
PAPER_COLUMNS = ('R1@0.3', 'R1@0.5', 'R1@0.7', 'R5@0.3', 'R5@0.5', 'R5@0.7')
_PAPER_ROWS = {
    # Table 1, DSCNet (US); ActivityNet gives R1/R5 at IoU 0.3 and 0.5 only.
    'table1/charades': (44.15, 28.73, 14.67, 91.48, 70.68, 35.19),
    'table1/activitynet': (47.29, 28.16, None, 72.51, 57.24, None),
    # Table 2 (the paper adds losses to a baseline; each of our rows removes
    # terms from the full model, the paper row with the same set of losses).
    'table2/full': (44.15, 28.73, 14.67, 91.48, 70.68, 35.19),
    'table2/no_sab': (40.23, 25.32, 12.11, 86.83, 65.74, 30.45),  # +L_w+L_trip+L_cls
    'table2/no_trip': (41.97, 26.01, 12.39, 87.61, 67.33, 32.60),  # +L_w+L_sab+L_cls
    'table2/no_sab_trip': (36.78, 23.14, 10.65, 82.98, 60.29, 26.31),  # +L_w
    'table2/no_mse_sab_trip': (33.54, 20.07, 9.09, 80.16, 55.41, 23.72),  # +L_dqa
    'table2/baseline': (28.38, 16.12, 7.86, 76.18, 48.65, 20.21),  # L_cel + L_cls
    # Table 3 (R1@0.3, R1@0.5, R5@0.3, R5@0.5 only).
    'table3/random': (23.79, 11.24, None, 73.61, 42.58, None),
    'table3/sample': (39.67, 23.96, None, 86.13, 66.49, None),
    'table3/center': (44.15, 28.73, None, 91.48, 70.68, None),
    # Table 4 (R1@0.3, R1@0.5, R5@0.3, R5@0.5 only).
    'table4/necks2': (33.06, 19.70, None, 79.39, 53.53, None),
    'table4/necks4': (44.15, 28.73, None, 91.48, 70.68, None),
    'table4/necks8': (40.90, 25.03, None, 87.56, 65.40, None),
    'table4/iter1': (29.38, 15.61, None, 81.13, 60.08, None),
    'table4/iter3': (39.98, 24.87, None, 88.09, 66.77, None),
    'table4/iter5': (44.15, 28.73, None, 91.48, 70.68, None),
    'table4/iter7': (44.06, 28.39, None, 91.82, 70.41, None),
}
PAPER_NUMBERS: Dict[str, Dict[str, float]] = {
    key: {k: v for k, v in zip(PAPER_COLUMNS, row) if v is not None}
    for key, row in _PAPER_ROWS.items()}
