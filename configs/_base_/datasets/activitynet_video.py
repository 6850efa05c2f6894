# ActivityNet Captions with the C3D-PCA features (500-d), e.g. the nested
# release <data_root>/activitynet_captions/features/sub_activitynet_v1-3.c3d.hdf5
# (h5[vid]['c3d_features'] -> (T, 500)); any layout of VideoFeatures works.
_base_ = ['./activitynet_annotations.py', './unpaired_training.py']

data_root = 'data'
feature_dim = 500
video_features = dict(type='VideoFeatures', data_root=data_root,
                      path='activitynet_captions/features/sub_activitynet_v1-3.c3d.hdf5',
                      feature_dim=feature_dim)  # checked for every video read
num_frames = 256  # paper: feature sequences resampled to 256 (ActivityNet Captions)
max_query_len = 20  # paper: queries fixed to 20 words (ActivityNet Captions)
train_annotation = {{_base_.train_annotation}}
test_annotation = {{_base_.test_annotation}}
vocabulary = dict(type='QueryVocabulary', annotation=train_annotation)
video_steps = dict(load=dict(reader=video_features), resample=dict(num_frames=num_frames))
query_steps = dict(query=dict(vocab=vocabulary, max_len=max_query_len))
train_dataloader = dict(dataset=dict(annotation=train_annotation, pipeline=video_steps))
query_set = dict(annotation=train_annotation, pipeline=query_steps)
test_dataloader = val_dataloader = dict(dataset=dict(
    annotation=test_annotation, pipeline=dict(video_steps, **query_steps)))
