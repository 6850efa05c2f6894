# Ranked windows of a frame curve: TFVTG's static and dynamic proposal scores
# (reading: docs/vlm.md, "Training-free grounder"); the fields are
# ProposalGrower's (dscnet_plugin/models/growers/proposal_grower.py). The
# dataset config sets the window scales (`proposal_windows`).
model = dict(
    grower=dict(
        type='ProposalGrower',
        scales=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0),  # window durations / video duration
        stride_ratio=0.125,      # start step of a scale's windows / their duration
        smooth_sigma=0.0,        # Gaussian smoothing of the curve (frames), 0: off
        normalize='minmax',      # per-video curve normalisation: 'none' | 'minmax' | 'zscore'
        min_similarity=None,     # frames <= this (normalised curve) count as 0; None: off
        dynamic_weight=0.5,      # score = static + dynamic_weight * dynamic
        dynamic_sigma=1.0,       # smoothing (frames) of the curve the dynamic score reads
        boundary_ratio=0.25,     # start / end band of the dynamic score / window length
        gaussian_truncate=2.0,   # Gaussian kernel radius in standard deviations
        nms_thresh=0.5,
        top_k=5))
