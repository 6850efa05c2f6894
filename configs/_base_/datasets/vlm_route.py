# The vision-language route (CLIP-style features in the moment_detr layout), shared by
# activitynet_vlm.py, charades-sta_vlm.py and qvhighlights_vlm.py. The readers of the
# layout, which a dataset base puts at its data_root
# (video_features = dict(_base_.video_features, data_root=data_root)):
#   <data_root>/video_features/{vid}.npz     `features`: T x 512, one row per clip
#   <data_root>/text_features/qid{qid}.npz   `pooler_output`: 512
# and DSCNet-VLM's loaders: those of unpaired_training.py in batches of 64 read in the
# main process, short videos padded, the query's pooled text features instead of its
# tokens, validation with the test settings of grounding_test.py.
_base_ = ['./unpaired_training.py']

feature_dim = 512
video_features = dict(type='ArrayDirFeatures', path='video_features',
                      suffixes=('.npz', '.npy'), npz_key='features', feature_dim=feature_dim)
text_features = dict(type='QueryFeatures', path='text_features',
                     key='pooler_output', name_format='qid{qid}.npz', feature_dim=feature_dim)

video_steps = dict(resample=dict(short_mode='pad'))
query_steps = dict(query=dict(type='LoadQueryFeatures', pool='mean'))
train_dataloader = dict(batch_size=64, num_workers=0, persistent_workers=False,
                        dataset=dict(pipeline=video_steps))
query_set = dict(pipeline=query_steps)
# evaluation in the batches of grounding_test.py (the feature side's are smaller)
test_dataloader = val_dataloader = dict(
    batch_size=256, dataset=dict(pipeline=dict(video_steps, **query_steps)))
