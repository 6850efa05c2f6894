# DSCNet on Charades-STA with other features than the C3D file of
# configs/_base_/datasets/charades-sta_video.py: here 1024-d I3D features
# (e.g. written by tools/data/extract_features.py) in a folder of {vid}.npy
# files. See docs/features.md.
#
# The base dataset config copies `video_features` and `num_frames` into the
# pipelines when it is read, so a derived config must restate every place
# that uses them: the three pipelines, `model.video_encoder.in_dim` and
# `model.num_frames`. (The top-level `feature_dim` / `num_frames` are only
# labels; setting them alone changes nothing.)
#
#   python tools/train.py docs/examples/dscnet_charades_i3d.py \
#       --cfg-options data_root=/path/to/data
_base_ = ['../../configs/dscnet_charades.py']

data_root = 'data'  # keep the base's value: --cfg-options data_root=... moves it
feature_dim = 1024
video_features = dict(type='VideoFeatures', data_root=data_root,
                      path='charades_sta/features/i3d',  # folder of {vid}.npy
                      feature_dim=feature_dim)  # checked for every video read
num_frames = 128
max_query_len = 10

train_pipeline = [
    dict(type='LoadVideoFeatures', reader=video_features),
    dict(type='ResampleFeatures', num_frames=num_frames),
    dict(type='PackGroundingInputs'),
]
test_pipeline = [
    dict(type='LoadVideoFeatures', reader=video_features),
    dict(type='ResampleFeatures', num_frames=num_frames),
    dict(type='TokenizeQuery', vocab={{_base_.vocabulary}}, max_len=max_query_len),
    dict(type='PackGroundingInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

model = dict(video_encoder=dict(in_dim=feature_dim), num_frames=num_frames)
