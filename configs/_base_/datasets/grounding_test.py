# Evaluation settings shared by every dataset: the dataset configs set the
# test annotation and the priors' training annotation.
test_dataloader = dict(
    batch_size=256,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='GroundingDataset',
        pipeline=[dict(type='PackGroundingInputs')],
        test_mode=True))
test_evaluator = dict(
    type='GroundingRecall',
    topk=(1, 5),
    iou_thrs=(0.3, 0.5, 0.7),
    nms_thresh=0.5,
    iou_cmp='>=',
    clip_end=True)
test_cfg = dict(type='TestLoop')
