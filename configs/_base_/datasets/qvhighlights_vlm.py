# QVHighlights in its moment_detr layout (CLIP-style features), as written by
# tools/data/extract_vlm_features.py or tools/data/simulate_features.py --mode vlm:
#   <data_root>/{train,val}.jsonl            qid, query, vid, duration, relevant_windows
#                                            (several windows per query)
#   <data_root>/video_features/{vid}.npz     `features`: T x 512, one row per 2 s clip
#   <data_root>/text_features/qid{qid}.npz   `pooler_output`: 512
# The test release has no windows: evaluate on val. Move everything with one
# field: --cfg-options data_root=/path/to/qvhighlights
_base_ = ['./grounding_test.py']

data_root = 'data/vlm/qvhighlights'
feature_dim = 512
# seconds per feature row (one CLIP frame per clip): what tools/infer.py decodes a
# video file at; the simulator (--mode vlm) and extract_vlm_features.py write the same
clip_seconds = 2.0
num_frames = 75  # 150 s videos in 2 s clips; shorter ones are padded

video_features = dict(type='ArrayDirFeatures', data_root=data_root, path='video_features',
                      suffixes=('.npz', '.npy'), npz_key='features', feature_dim=feature_dim)
text_features = dict(type='QueryFeatures', data_root=data_root, path='text_features',
                     key='pooler_output', name_format='qid{qid}.npz', feature_dim=feature_dim)
train_annotation = dict(type='MomentDETRAnnotation', data_root=data_root,
                        ann_file='train.jsonl')
test_annotation = dict(type='MomentDETRAnnotation', data_root=data_root,
                       ann_file='val.jsonl')

test_pipeline = [
    dict(type='LoadVideoFeatures', reader=video_features),
    dict(type='ResampleFeatures', num_frames=num_frames, short_mode='pad'),
    dict(type='LoadQueryFeatures', reader=text_features, pool='mean'),
    dict(type='PackGroundingInputs'),
]
test_dataloader = dict(
    batch_size=256,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='GroundingDataset', annotation=test_annotation,
                 pipeline=test_pipeline, test_mode=True))
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

# ---- training side (DSCNet-VLM): the unpaired videos and the query set
train_pipeline = [
    dict(type='LoadVideoFeatures', reader=video_features),
    dict(type='ResampleFeatures', num_frames=num_frames, short_mode='pad'),
    dict(type='PackGroundingInputs'),
]
query_pipeline = [
    dict(type='LoadQueryFeatures', reader=text_features, pool='mean'),
    dict(type='PackGroundingInputs'),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='UnpairedVideoDataset', annotation=train_annotation,
                 pipeline=train_pipeline))
query_set = dict(type='QuerySetDataset', annotation=train_annotation,
                 pipeline=query_pipeline)

# Proposal windows of the models that rank windows of a frame curve
# (ProposalGrower; the model configs read it).
# Windows last 2 s to the whole 150 s video (mostly under a fifth of it);
# TFVTG's longest proposal is half the video. mAP reads 10 predictions a query.
proposal_windows = dict(scales=(0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5), top_k=10)
val_dataloader = test_dataloader
val_evaluator = test_evaluator
