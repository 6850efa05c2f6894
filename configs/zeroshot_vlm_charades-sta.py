# Training-free grounder on Charades-STA in a vision-language space (CLIP-style
# features). Layout and data_root: _base_/datasets/charades-sta_vlm.py.
#   python tools/test.py configs/zeroshot_vlm_charades-sta.py --cfg-options data_root=DIR
_base_ = [
    '_base_/models/zeroshot_vlm.py', '_base_/datasets/charades-sta_vlm.py',
    '_base_/default_runtime.py'
]

# Charades-STA moments last ~8 s of ~30 s videos; TFVTG's longest proposal is
# half the video there.
model = dict(scales=(0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5))

custom_hooks = [
    dict(type='PriorComparisonHook', train_annotation={{_base_.train_annotation}},
         name='ZeroShotVLM', other_video_queries=True),
]
