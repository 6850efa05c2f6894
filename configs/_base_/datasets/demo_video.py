# The embedded synthetic dataset with its features and word vectors.
_base_ = ['./demo_annotations.py', './unpaired_training.py']

data_root = 'data/demo'
feature_dim = 128  # the generator's feature_dim
video_features = dict(type='VideoFeatures', data_root=data_root,
                      path={{_base_.video_features.path}},
                      feature_dim=feature_dim)  # checked for every video read
num_frames = 64
max_query_len = 10
train_annotation = {{_base_.train_annotation}}
test_annotation = {{_base_.test_annotation}}
vocabulary = dict(type='QueryVocabulary', annotation=train_annotation)
video_steps = dict(load=dict(reader=video_features), resample=dict(num_frames=num_frames))
query_steps = dict(query=dict(vocab=vocabulary, max_len=max_query_len))
train_dataloader = dict(dataset=dict(annotation=train_annotation, pipeline=video_steps))
query_set = dict(annotation=train_annotation, pipeline=query_steps)
test_dataloader = val_dataloader = dict(dataset=dict(
    annotation=test_annotation, pipeline=dict(video_steps, **query_steps)))
