# Training-free grounder on ActivityNet Captions in a vision-language space
# (CLIP-style features). Layout and data_root: _base_/datasets/activitynet_vlm.py.
#   python tools/test.py configs/zeroshot_vlm_activitynet.py --cfg-options data_root=DIR
_base_ = [
    '_base_/models/zeroshot_vlm.py', '_base_/datasets/activitynet_vlm.py',
    '_base_/default_runtime.py'
]

model = dict(grower={{_base_.proposal_windows}})

custom_hooks = [
    dict(type='PriorComparisonHook', train_annotation={{_base_.train_annotation}},
         name='ZeroShotVLM', other_video_queries=True),
]
train_dataloader = None  # training-free
val_dataloader = None
val_evaluator = None
