# Training-free grounder on QVHighlights val (CLIP-style features, several
# ground-truth windows per query). Layout and data_root:
# _base_/datasets/qvhighlights_vlm.py.
#   python tools/test.py configs/zeroshot_vlm_qvhighlights.py --cfg-options data_root=DIR
_base_ = [
    '_base_/models/zeroshot_vlm.py', '_base_/datasets/qvhighlights_vlm.py',
    '_base_/default_runtime.py'
]

# Windows last 2 s to the whole 150 s video (mostly under a fifth of it);
# TFVTG's longest proposal is half the video. mAP reads 10 predictions a query.
model = dict(scales=(0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5), top_k=10)

custom_hooks = [
    dict(type='PriorComparisonHook', train_annotation={{_base_.train_annotation}},
         name='ZeroShotVLM', other_video_queries=True),
]
