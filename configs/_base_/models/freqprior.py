# Frequency prior: top cells of a grid x grid histogram of training
# (start, end), NMS, top k. train_annotation is set by the dataset config.
model = dict(type='FrequencyPrior', grid=16, nms_thresh=0.5, top_k=5)
