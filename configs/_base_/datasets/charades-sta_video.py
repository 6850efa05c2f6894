# Charades-STA with C3D features: <data_root>/charades_sta/features/c3d.hdf5
# (flat h5[vid] -> (T, 4096)); any layout of VideoFeatures works.
_base_ = ['./charades-sta.py', './unpaired_training.py']

data_root = 'data'
feature_dim = 4096
video_features = dict(type='VideoFeatures', data_root=data_root,
                      path='charades_sta/features/c3d.hdf5',
                      feature_dim=feature_dim)  # checked for every video read
num_frames = 128  # paper: feature sequences resampled to 128 (Charades-STA)
max_query_len = 10  # paper: queries fixed to 10 words (Charades-STA)
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
