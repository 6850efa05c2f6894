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
_base_ = ['./unpaired_training.py']

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

vocabulary = dict(type='QueryVocabulary', annotation=train_annotation)
video_steps = dict(load=dict(reader=video_features), resample=dict(num_frames=num_frames))
query_steps = dict(query=dict(vocab=vocabulary, max_len=max_query_len))
train_dataloader = dict(dataset=dict(annotation=train_annotation, pipeline=video_steps))
query_set = dict(annotation=train_annotation, pipeline=query_steps)
test_dataloader = val_dataloader = dict(dataset=dict(
    annotation=test_annotation, pipeline=dict(video_steps, **query_steps)))

# Every result is printed beside the no-video priors on the same samples.
custom_hooks = [dict(type='PriorComparisonHook', train_annotation=train_annotation)]
