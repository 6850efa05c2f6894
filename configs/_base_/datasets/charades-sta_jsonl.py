_base_ = ['./grounding_test.py']

# Charades-STA in the moment_detr jsonl form (durations inside the files),
# written by tools/data/convert_annotations.py (qid: train 0..N-1, then test):
#   python tools/data/convert_annotations.py --format charades-sta \
#       DATA/charades_sta/charades_sta_{train,test}.txt \
#       --duration-file DATA/charades/Charades_v1_{train,test}.csv \
#       --out DATA/charades_sta/charades_sta_{train,test}.jsonl
# Layout under data_root:
#   charades_sta/charades_sta_{train,test}.jsonl   annotations
# Move everything with one field: --cfg-options data_root=/path/to/data
data_root = 'data'

train_annotation = dict(
    type='MomentDETRAnnotation',
    data_root=data_root,
    ann_file='charades_sta/charades_sta_train.jsonl')
test_annotation = dict(
    type='MomentDETRAnnotation',
    data_root=data_root,
    ann_file='charades_sta/charades_sta_test.jsonl')

test_dataloader = dict(dataset=dict(annotation=test_annotation))

# Every result is printed beside the no-video priors on the same samples.
custom_hooks = [dict(type='PriorComparisonHook', train_annotation=train_annotation)]
