# Boundary-snapped frequency prior on Charades-STA (needs the features:
# video_features.path, see _base_/datasets/charades-sta_video.py).
_base_ = ['../_base_/models/boundaryprior.py', '../_base_/datasets/charades-sta_video.py',
          '../_base_/default_runtime.py']

model = dict(train_annotation={{_base_.train_annotation}})
custom_hooks = [dict(type='PriorComparisonHook', train_annotation={{_base_.train_annotation}})]
train_dataloader = None  # nothing to train
val_dataloader = None
val_evaluator = None
