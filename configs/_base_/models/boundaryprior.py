# Frequency prior snapped to the video's own change points (reads the
# features, never the query; beyond the paper). train_annotation is set by
# the dataset config.
model = dict(
    type='BoundaryFrequencyPrior',
    grid=16,  # frequency grid, as FrequencyPrior
    boundary_weight=0.5,  # weight of the change evidence at both ends
    window=4,  # frames averaged on each side of a boundary
    edge_score=2.0,  # evidence of the video's first / last boundary
    nms_thresh=0.5,
    top_k=5)
