# DSCNet-VLM on charades-sta in a vision-language space (CLIP-style features), trained
# on the unpaired training videos and queries. Layout and data_root:
# _base_/datasets/charades-sta_vlm.py; the method: docs/vlm.md, "DSCNet-VLM".
#   python tools/train.py configs/dscnet_vlm_charades-sta.py --cfg-options data_root=DIR
_base_ = [
    '_base_/models/dscnet_vlm.py', '_base_/datasets/charades-sta_vlm.py',
    '_base_/schedules/dscnet_iterative.py', '_base_/default_runtime.py'
]

model = dict(feature_dim={{_base_.feature_dim}}, num_frames={{_base_.num_frames}},
             grower={{_base_.proposal_windows}})

custom_hooks = [
    dict(type='QueryClusteringHook', query_set={{_base_.query_set}}),
    dict(type='IterativeRelabelHook', iterations=5, epochs_per_stage=1),
    dict(type='PriorComparisonHook', train_annotation={{_base_.train_annotation}},
         name='DSCNet-VLM', other_video_queries=True),
    dict(type='TrainingDiagnosticsHook'),
]
