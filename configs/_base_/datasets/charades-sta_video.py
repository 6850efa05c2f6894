# Charades-STA with C3D features: <data_root>/charades_sta/features/c3d.hdf5
# (flat h5[vid] -> (T, 4096)); any layout of VideoFeatures works.
_base_ = ['./charades-sta_annotations.py', './unpaired_training.py']

data_root = 'data'
feature_dim = 4096
video_features = dict(type='VideoFeatures', data_root=data_root,
                      path='charades_sta/features/c3d.hdf5',
                      feature_dim=feature_dim)  # checked for every video read
num_frames = 128  # paper: feature sequences resampled to 128 (Charades-STA)
max_query_len = 10  # paper: queries fixed to 10 words (Charades-STA)
train_annotation = {{_base_.train_annotation}}
test_annotation = {{_base_.test_annotation}}
vocabulary = dict(type='QueryVocabulary', annotation=train_annotation)
video_steps = dict(load=dict(reader=video_features), resample=dict(num_frames=num_frames))
query_steps = dict(query=dict(vocab=vocabulary, max_len=max_query_len))
train_dataloader = dict(dataset=dict(annotation=train_annotation, pipeline=video_steps))
query_set = dict(annotation=train_annotation, pipeline=query_steps)
test_dataloader = val_dataloader = dict(dataset=dict(
    annotation=test_annotation, pipeline=dict(video_steps, **query_steps)))
