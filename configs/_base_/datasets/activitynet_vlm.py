# ActivityNet Captions in the vision-language layout (moment_detr jsonl + CLIP-style
# features), as written by tools/data/convert_annotations.py and
# tools/data/extract_vlm_features.py, or by tools/data/simulate_features.py --mode vlm:
#   <data_root>/{train,test}.jsonl           qid, query, vid, duration, relevant_windows
#   <data_root>/video_features/{vid}.npz     `features`: T x 512, one row per 1 s clip
#   <data_root>/text_features/qid{qid}.npz   `pooler_output`: 512
# Move everything with one field: --cfg-options data_root=/path/to/activitynet
_base_ = ['./grounding_test.py']

data_root = 'data/vlm/activitynet'
feature_dim = 512
# seconds per feature row (one CLIP frame per clip): what tools/infer.py decodes a
# video file at; the simulator (--mode vlm) and extract_vlm_features.py write the same
clip_seconds = 1.0
num_frames = 256  # 1 s clips (videos ~2 min, up to ~13 min): shorter padded, longer pooled

video_features = dict(type='ArrayDirFeatures', data_root=data_root, path='video_features',
                      suffixes=('.npz', '.npy'), npz_key='features', feature_dim=feature_dim)
text_features = dict(type='QueryFeatures', data_root=data_root, path='text_features',
                     key='pooler_output', name_format='qid{qid}.npz', feature_dim=feature_dim)
train_annotation = dict(type='MomentDETRAnnotation', data_root=data_root,
                        ann_file='train.jsonl')
test_annotation = dict(type='MomentDETRAnnotation', data_root=data_root,
                       ann_file='test.jsonl')

test_pipeline = [
    dict(type='LoadVideoFeatures', reader=video_features),
    dict(type='ResampleFeatures', num_frames=num_frames, short_mode='pad'),
    dict(type='LoadQueryFeatures', reader=text_features, pool='mean'),
    dict(type='PackGroundingInputs'),
]
test_dataloader = dict(dataset=dict(annotation=test_annotation, pipeline=test_pipeline))
