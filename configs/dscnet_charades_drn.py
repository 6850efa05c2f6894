# DSCNet on Charades-STA in mmaction2's DRN layout (the files of its
# configs/localization/drn, unchanged): the settings of dscnet_charades.py
# (paper: T=128, query length 10, N_e=4, N_c=16, L=5, threshold 0.9; a test
# checks they agree), only the dataset base differs. See docs/integration.md.
#   python tools/train.py configs/dscnet_charades_drn.py \
#       --cfg-options data_root=/path/to/mmaction2/data/CharadesSTA
_base_ = [
    '_base_/models/dscnet.py', '_base_/datasets/charades-sta_drn.py',
    '_base_/schedules/dscnet_iterative.py', '_base_/default_runtime.py'
]

model = dict(
    vocabulary={{_base_.vocabulary}},
    video_encoder=dict(in_dim={{_base_.feature_dim}}),
    text_encoder=dict(num_necks=4),
    grower=dict(threshold=0.9),
    num_frames={{_base_.num_frames}})

custom_hooks = [
    dict(type='SemanticClusteringHook', query_set={{_base_.query_set}}, epochs=10, lr=1e-4),
    dict(type='IterativeRelabelHook', iterations=5, epochs_per_stage=1),
    dict(type='PriorComparisonHook', train_annotation={{_base_.train_annotation}}, name='DSCNet'),
    dict(type='TrainingDiagnosticsHook'),
]
