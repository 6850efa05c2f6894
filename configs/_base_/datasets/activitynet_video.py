# ActivityNet Captions with the C3D-PCA features (500-d), e.g. the nested
# release <data_root>/activitynet_captions/features/sub_activitynet_v1-3.c3d.hdf5
# (h5[vid]['c3d_features'] -> (T, 500)); any layout of VideoFeatures works.
_base_ = ['./activitynet.py']

data_root = 'data'
video_features = dict(type='VideoFeatures', data_root=data_root,
                      path='activitynet_captions/features/sub_activitynet_v1-3.c3d.hdf5')
feature_dim = 500
num_frames = 256  # paper: feature sequences resampled to 256 (ActivityNet Captions)
max_query_len = 20  # paper: queries fixed to 20 words (ActivityNet Captions)
train_annotation = {{_base_.train_annotation}}
test_annotation = {{_base_.test_annotation}}
test_evaluator = {{_base_.test_evaluator}}

# ---- video side (DSCNet): features, queries, the unpaired training collections
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
test_pipeline = [
    dict(type='LoadVideoFeatures', reader=video_features),
    dict(type='ResampleFeatures', num_frames=num_frames),
    dict(type='TokenizeQuery', vocab=vocabulary, max_len=max_query_len),
    dict(type='PackGroundingInputs'),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='UnpairedVideoDataset', annotation=train_annotation,
                 pipeline=train_pipeline))
query_set = dict(type='QuerySetDataset', annotation=train_annotation,
                 pipeline=query_pipeline)
test_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='GroundingDataset', annotation=test_annotation,
                 pipeline=test_pipeline, test_mode=True))
val_dataloader = test_dataloader
val_evaluator = test_evaluator
