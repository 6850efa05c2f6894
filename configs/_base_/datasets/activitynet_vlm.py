# ActivityNet Captions in the vision-language layout (moment_detr jsonl + CLIP-style
# features), as written by tools/data/convert_annotations.py and
# tools/data/extract_vlm_features.py, or by tools/data/simulate_features.py --mode vlm:
#   <data_root>/{train,val_1,val_2}.jsonl    qid, query, vid, duration, relevant_windows
#                                            (validation on val_1, test on val_2)
#   <data_root>/video_features/{vid}.npz     `features`: T x 512, one row per 1 s clip
#   <data_root>/text_features/qid{qid}.npz   `pooler_output`: 512
# Move everything with one field: --cfg-options data_root=/path/to/activitynet
_base_ = ['./vlm_route.py', './activitynet_windows.py']

data_root = 'data/vlm/activitynet'
# seconds per feature row (one CLIP frame per clip): what tools/infer.py decodes a
# video file at; the simulator (--mode vlm) and extract_vlm_features.py write the same
clip_seconds = 1.0
num_frames = 256  # 1 s clips (videos ~2 min, up to ~13 min): shorter padded, longer pooled
# the readers of the layout (vlm_route.py) under data_root
video_features = dict(_base_.video_features, data_root=data_root)
text_features = dict(_base_.text_features, data_root=data_root)
train_annotation = dict(type='MomentDETRAnnotation', data_root=data_root,
                        ann_file='train.jsonl')
val_annotation = dict(type='MomentDETRAnnotation', data_root=data_root,
                      ann_file='val_1.jsonl')
test_annotation = dict(type='MomentDETRAnnotation', data_root=data_root,
                       ann_file='val_2.jsonl')

# ---- this base's values in the named steps of vlm_route.py
video_steps = dict(load=dict(reader=video_features), resample=dict(num_frames=num_frames))
query_steps = dict(query=dict(reader=text_features))
train_dataloader = dict(dataset=dict(annotation=train_annotation, pipeline=video_steps))
query_set = dict(annotation=train_annotation, pipeline=query_steps)
test_dataloader = dict(dataset=dict(annotation=test_annotation,
                                   pipeline=dict(video_steps, **query_steps)))
val_dataloader = dict(dataset=dict(test_dataloader['dataset'], annotation=val_annotation))
