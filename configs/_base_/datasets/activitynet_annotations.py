# ActivityNet Captions (Krishna et al. 2017). Layout under data_root:
#   activitynet_captions/{train,val_1,val_2}.json  annotations (with durations)
#   activitynet_captions/features/...              video features (DSCNet only)
# Move everything with one field: --cfg-options data_root=/path/to/data
# The annotations alone: activitynet.py evaluates on them, activitynet_video.py also
# trains on them.
data_root = 'data'

train_annotation = dict(
    type='ActivityNetCaptionsAnnotation',
    data_root=data_root,
    ann_file='activitynet_captions/train.json')
val_annotation = dict(
    type='ActivityNetCaptionsAnnotation',
    data_root=data_root,
    ann_file='activitynet_captions/val_1.json')
test_annotation = dict(
    type='ActivityNetCaptionsAnnotation',
    data_root=data_root,
    ann_file='activitynet_captions/val_2.json')

# Every result is printed beside the no-video priors on the same samples.
custom_hooks = [dict(type='PriorComparisonHook', train_annotation=train_annotation)]
