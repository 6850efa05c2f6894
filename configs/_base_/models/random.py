# Uniformly random segments, reproducible per sample.
model = dict(type='RandomPrior', seed=0, num_candidates=40, nms_thresh=0.5, top_k=5)
