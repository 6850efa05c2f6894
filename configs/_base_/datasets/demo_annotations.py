# The embedded synthetic dataset: generated into data_root on first use
# (deterministic from the seed; regenerated when a setting changes), written
# as Charades-STA text + a durations JSON + flat HDF5 features + GloVe-format
# word vectors, and read back through the ordinary loaders.
# The annotations alone: demo.py evaluates on them, demo_video.py also
# trains on them.
data_root = 'data/demo'

generator = dict(
    type='SyntheticGroundingGenerator',
    data_root=data_root,
    seed=0,
    num_train_videos=240,
    num_test_videos=80,
    clips_range=(60, 120),
    actions_range=(2, 3),  # more than one action: an activity finder alone cannot win
    action_zipf=1.0,  # action frequencies ~ 1/rank, as Charades classes
    action_weight=1.0,
    num_actions=16,  # as many as the centres (N_c)
    feature_dim=128,
    word_dim=50,
    semantic_strength=1.0,
    signal_scale=1.0,
    feature_format='hdf5')

train_annotation = dict(type='SyntheticGroundingAnnotation', split='train', generator=generator)
test_annotation = dict(type='SyntheticGroundingAnnotation', split='test', generator=generator)
video_features = dict(type='VideoFeatures', data_root=data_root, path='features.hdf5')
word_vectors = dict(type='SyntheticWordVectors', generator=generator)

# Every result is printed beside the no-video priors on the same samples.
custom_hooks = [dict(type='PriorComparisonHook', train_annotation=train_annotation)]
