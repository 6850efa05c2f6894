# ActivityNet Captions with the C3D-PCA features (500-d), e.g. the nested
# release <data_root>/activitynet_captions/features/sub_activitynet_v1-3.c3d.hdf5
# (h5[vid]['c3d_features'] -> (T, 500)); any layout of VideoFeatures works.
_base_ = ['./activitynet.py', './unpaired_training.py']

data_root = 'data'
feature_dim = 500
video_features = dict(type='VideoFeatures', data_root=data_root,
                      path='activitynet_captions/features/sub_activitynet_v1-3.c3d.hdf5',
                      feature_dim=feature_dim)  # checked for every video read
num_frames = 256  # paper: feature sequences resampled to 256 (ActivityNet Captions)
max_query_len = 20  # paper: queries fixed to 20 words (ActivityNet Captions)
train_annotation = {{_base_.train_annotation}}
test_annotation = {{_base_.test_annotation}}

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
