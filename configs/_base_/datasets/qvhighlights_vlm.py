# QVHighlights in its moment_detr layout (CLIP-style features), as written by
# tools/data/extract_vlm_features.py or tools/data/simulate_features.py --mode vlm:
#   <data_root>/{train,val}.jsonl            qid, query, vid, duration, relevant_windows
#                                            (several windows per query)
#   <data_root>/video_features/{vid}.npz     `features`: T x 512, one row per 2 s clip
#   <data_root>/text_features/qid{qid}.npz   `pooler_output`: 512
# The test release has no windows: evaluate on val. Move everything with one
# field: --cfg-options data_root=/path/to/qvhighlights
_base_ = ['./vlm_route.py']

data_root = 'data/vlm/qvhighlights'
# seconds per feature row (one CLIP frame per clip): what tools/infer.py decodes a
# video file at; the simulator (--mode vlm) and extract_vlm_features.py write the same
clip_seconds = 2.0
num_frames = 75  # 150 s videos in 2 s clips; shorter ones are padded
# the readers of the layout (vlm_route.py) under data_root
video_features = dict(_base_.video_features, data_root=data_root)
text_features = dict(_base_.text_features, data_root=data_root)
train_annotation = dict(type='MomentDETRAnnotation', data_root=data_root,
                        ann_file='train.jsonl')
test_annotation = dict(type='MomentDETRAnnotation', data_root=data_root,
                       ann_file='val.jsonl')

# moment_detr's standalone metrics over all windows of a query (R1@0.5/0.7,
# mAP@0.5/0.75, mAP over 0.5:0.05:0.95, 10 predictions a query), and R5 / mIoU
# on the first window, the metric the no-video priors of PriorComparisonHook
# are reported with (R1 is left to MomentRetrievalMetric: the keys must differ).
test_evaluator = [
    dict(type='MomentRetrievalMetric', r1_thrs=(0.5, 0.7), map_thrs=(0.5, 0.75),
         max_pred_windows=10),
    dict(type='GroundingRecall', topk=(5,), iou_thrs=(0.5, 0.7), nms_thresh=0.5,
         iou_cmp='>=', clip_end=True),
]

# ---- this base's values in the named steps of vlm_route.py
video_steps = dict(load=dict(reader=video_features), resample=dict(num_frames=num_frames))
query_steps = dict(query=dict(reader=text_features))
train_dataloader = dict(dataset=dict(annotation=train_annotation, pipeline=video_steps))
query_set = dict(annotation=train_annotation, pipeline=query_steps)
test_dataloader = val_dataloader = dict(dataset=dict(
    annotation=test_annotation, pipeline=dict(video_steps, **query_steps)))
val_evaluator = test_evaluator

# Proposal windows of the models that rank windows of a frame curve
# (ProposalGrower; the model configs read it).
# Windows last 2 s to the whole 150 s video (mostly under a fifth of it);
# TFVTG's longest proposal is half the video. mAP reads 10 predictions a query.
proposal_windows = dict(scales=(0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5), top_k=10)
