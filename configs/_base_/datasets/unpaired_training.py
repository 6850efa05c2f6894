# The loaders and pipelines of a DSCNet training run, shared by the dataset bases with a
# video side (activitynet_video.py, charades-sta_video.py, charades-sta_drn.py,
# demo_video.py, and through vlm_route.py the vision-language ones): the unpaired
# training videos, the query set (the collection the language side trains on),
# validation and test, with the evaluation settings of grounding_test.py.
#
# Each pipeline is a dict of named steps with their `order` (a list works too; see
# dscnet_plugin/utils/pipeline_steps.py). Dicts merge, so a dataset base gives only its
# values and annotations, e.g.
#   video_steps = dict(load=dict(reader=...), resample=dict(num_frames=128))
#   train_dataloader = dict(dataset=dict(annotation=..., pipeline=video_steps))
# and --cfg-options reaches a step by its name:
#   train_dataloader.dataset.pipeline.resample.num_frames=256
_base_ = ['./grounding_test.py']

video_steps = dict(load=dict(type='LoadVideoFeatures'), resample=dict(type='ResampleFeatures'))
query_steps = dict(query=dict(type='TokenizeQuery'))
pack_step = dict(pack=dict(type='PackGroundingInputs'))

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='UnpairedVideoDataset',
                 pipeline=dict(order=['load', 'resample', 'pack'], **video_steps, **pack_step)))
query_set = dict(type='QuerySetDataset',
                 pipeline=dict(order=['query', 'pack'], **query_steps, **pack_step))
val_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='GroundingDataset', test_mode=True,
                 pipeline=dict(order=['load', 'resample', 'query', 'pack'],
                               **video_steps, **query_steps, **pack_step)))
test_dataloader = dict(batch_size=val_dataloader['batch_size'],
                       dataset=dict(pipeline=dict(_delete_=True, **val_dataloader['dataset']['pipeline'])))
val_evaluator = {{_base_.test_evaluator}}
