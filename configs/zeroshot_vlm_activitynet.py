# Training-free grounder on ActivityNet Captions in a vision-language space
# (CLIP-style features). Layout and data_root: _base_/datasets/activitynet_vlm.py.
#   python tools/test.py configs/zeroshot_vlm_activitynet.py --cfg-options data_root=DIR
_base_ = [
    '_base_/models/zeroshot_vlm.py', '_base_/datasets/activitynet_vlm.py',
    '_base_/default_runtime.py'
]

# ActivityNet moments range from a few seconds to the whole video; TFVTG's
# proposals there reach the full length.
model = dict(scales=(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0))

custom_hooks = [
    dict(type='PriorComparisonHook', train_annotation={{_base_.train_annotation}},
         name='ZeroShotVLM', other_video_queries=True),
]
