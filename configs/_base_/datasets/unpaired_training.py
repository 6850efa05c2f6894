# The loaders of a DSCNet training run, shared by the dataset bases with a video side
# (activitynet_video.py, charades-sta_video.py, charades-sta_drn.py, demo_video.py, and
# through vlm_route.py the vision-language ones): the unpaired training videos, the
# query set (the collection the language side trains on) and validation. A dataset
# base gives each its annotation and pipeline (dicts merge):
#   train_dataloader = dict(dataset=dict(annotation=..., pipeline=train_pipeline))
# The pipelines stay in the dataset bases: their steps hold the base's reader, T and
# query length, and a list is fixed when the file that writes it is read.
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='UnpairedVideoDataset'))
query_set = dict(type='QuerySetDataset')
val_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='GroundingDataset', test_mode=True))
