# Boundary-snapped frequency prior on ActivityNet Captions (needs the
# features: video_features.path, see _base_/datasets/activitynet_video.py).
_base_ = ['../_base_/models/boundaryprior.py', '../_base_/datasets/activitynet_video.py',
          '../_base_/default_runtime.py']

model = dict(train_annotation={{_base_.train_annotation}}, window=8)
custom_hooks = [dict(type='PriorComparisonHook', train_annotation={{_base_.train_annotation}})]
train_dataloader = None  # nothing to train
val_dataloader = None
val_evaluator = None
