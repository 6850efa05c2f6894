# Charades-STA (Gao et al. 2017). Layout under data_root (as in ../shared/data):
#   charades_sta/charades_sta_{train,test}.txt   annotations
#   charades/Charades_v1_{train,test}.csv        durations (`length` column)
#   charades_sta/features/...                    video features (DSCNet only)
# Move everything with one field: --cfg-options data_root=/path/to/data
# The annotations alone: charades-sta.py evaluates on them, charades-sta_video.py
# also trains on them.
data_root = 'data'

train_annotation = dict(
    type='CharadesSTAAnnotation',
    data_root=data_root,
    ann_file='charades_sta/charades_sta_train.txt',
    duration_file='charades/Charades_v1_train.csv')
test_annotation = dict(
    type='CharadesSTAAnnotation',
    data_root=data_root,
    ann_file='charades_sta/charades_sta_test.txt',
    duration_file='charades/Charades_v1_test.csv')

# Every result is printed beside the no-video priors on the same samples.
custom_hooks = [dict(type='PriorComparisonHook', train_annotation=train_annotation)]
