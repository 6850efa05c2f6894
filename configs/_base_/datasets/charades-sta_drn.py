# Charades-STA in mmaction2's DRN layout: the folder mmaction2 1.2.0's
# tools/data/charades-sta prepares and configs/localization/drn/*.py read,
# used as it is. Under data_root (mmaction2's data/CharadesSTA):
#   Charades_sta_{train,test}.txt          annotations, 'VID START END##sentence'
#   Charades_duration.json                 {vid: seconds} for both splits
#   C3D_unit16_overlap0.5_merged/{vid}.pt  C3D features, one (T, 4096) tensor per video
#                                          (16-frame units, overlap 0.5), read weights-only
# DRN's Charades_fps_dict.json, Charades_frames_info.json and Charades_word2id.json
# are not needed (DSCNet works in seconds and builds its own vocabulary).
# Move everything with one field: --cfg-options data_root=/path/to/CharadesSTA
_base_ = ['./grounding_test.py', './unpaired_training.py']

data_root = 'data/CharadesSTA'
feature_dim = 4096
video_features = dict(type='VideoFeatures', data_root=data_root,
                      path='C3D_unit16_overlap0.5_merged',  # folder of {vid}.pt
                      feature_dim=feature_dim)  # checked for every video read
num_frames = 128  # paper: feature sequences resampled to 128 (Charades-STA)
max_query_len = 10  # paper: queries fixed to 10 words (Charades-STA)
train_annotation = dict(type='CharadesSTAAnnotation', data_root=data_root,
                        ann_file='Charades_sta_train.txt',
                        duration_file='Charades_duration.json')
test_annotation = dict(type='CharadesSTAAnnotation', data_root=data_root,
                       ann_file='Charades_sta_test.txt',
                       duration_file='Charades_duration.json')

# ---- video side (DSCNet): the pipelines of its collections, whose loaders
# (batch sizes, workers) are those of unpaired_training.py
vocabulary = dict(type='QueryVocabulary', annotation=train_annotation)
train_pipeline = [
    dict(type='LoadVideoFeatures', reader=video_features),
    dict(type='ResampleFeatures', num_frames=num_frames),
    dict(type='PackGroundingInputs'),
]
query_pipeline = [
    dict(type='TokenizeQuery', vocab=vocabulary, max_len=max_query_len),
    dict(type='PackGroundingInputs'),
]
test_pipeline = train_pipeline[:-1] + query_pipeline  # the video's steps, then the query's
train_dataloader = dict(dataset=dict(annotation=train_annotation, pipeline=train_pipeline))
query_set = dict(annotation=train_annotation, pipeline=query_pipeline)
test_dataloader = dict(batch_size={{_base_.val_dataloader.batch_size}},
                       dataset=dict(annotation=test_annotation, pipeline=test_pipeline))
val_dataloader = test_dataloader
val_evaluator = {{_base_.test_evaluator}}

# Every result is printed beside the no-video priors on the same samples.
custom_hooks = [dict(type='PriorComparisonHook', train_annotation=train_annotation)]
