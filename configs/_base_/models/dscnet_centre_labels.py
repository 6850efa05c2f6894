# DSCNet with labels that depend on the centre (issue 11; docs/method.md,
# readings 5 and 16-19): the activity cut of F split among the centres by
# visual prototypes matched to the text centres without pairs, centred
# necks, a centre projection without bias, L_sim between videos where the
# centre fires, calibrated inference scores. Use it after a DSCNet config
# in `_base_` and set `model = {{_base_.centre_labels_model}}`, as
# configs/dscnet_*_centre_labels.py do. `centre_labels_model` is only the
# template those files merge into `model`: override `model.*`, not it.
centre_labels_model = dict(
    specific_head=dict(center_bias=False),
    pseudo_labeller=dict(
        _delete_=True,
        type='ActivitySplitLabeller',
        activity=dict(
            type='NCutLabeller',
            center_weight=1.0,
            bandwidth=1.0,
            num_iters=100),
        descriptors_per_video=8),
    aligner=dict(
        type='ClusterMatchingAligner',
        match='qap',  # 'frequency' | 'identity' (arbitrary pairing, a control)
        frequency_weight=1.0,
        restarts=20),
    center_necks=True,
    score_mode='probability',
    video_losses=dict(sab=dict(pairs='firing')))
