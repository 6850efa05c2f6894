# DSCNet on Charades-STA with other features than the C3D file of
# configs/_base_/datasets/charades-sta_video.py: here 1024-d I3D features
# (e.g. written by tools/data/extract_features.py) in a folder of {vid}.npy
# files. See docs/features.md.
#
# The base dataset config copies `video_features` into the `load` step of each
# loader's pipeline when it is read, so a derived config sets that step again (the
# pipelines are dicts of named steps: only the changed value is written) and
# `model.video_encoder.in_dim`. (The top-level `feature_dim` / `video_features` are
# only labels; setting them alone changes nothing.)
#
#   python tools/train.py docs/examples/dscnet_charades_i3d.py \
#       --cfg-options data_root=/path/to/data
_base_ = ['../../configs/dscnet_charades.py']

data_root = 'data'  # keep the base's value: --cfg-options data_root=... moves it
feature_dim = 1024
video_features = dict(type='VideoFeatures', data_root=data_root,
                      path='charades_sta/features/i3d',  # folder of {vid}.npy
                      feature_dim=feature_dim)  # checked for every video read

video_steps = dict(load=dict(reader=video_features))
train_dataloader = dict(dataset=dict(pipeline=video_steps))
test_dataloader = val_dataloader = dict(dataset=dict(pipeline=video_steps))

model = dict(video_encoder=dict(in_dim=feature_dim))
