# DSCNet whose text-video link comes from optimal transport of the training
# queries onto the training moments (issue 11; docs/method.md, reading 23),
# on top of the centre-labels readings (_base_/models/dscnet_centre_labels.py):
# the queries grouped by their content words (one K-means for every neck),
# the activity of each video as the frames far from its median frame, each
# centre's visual prototype from a Gromov-Wasserstein coupling of queries
# and moments, and at test time the centres of the query's nearest group.
# Use it after a centre-labels config in `_base_` and set
# `model = {{_base_.transport_model}}`, as configs/dscnet_*_transport.py do.
transport_model = dict(
    text_groups='words',
    word_weighting='content',
    inference_centres='assigned',
    relabel_split='prototypes',  # 'logits': Algorithm 1 line 7 (measured: loses the link)
    temperature_grid=(1, 2, 4, 8, 16, 32),  # fitted on the pseudo labels (reading 24)
    clusterer=dict(type='SphericalKMeansNeckClusterer', restarts=20),
    pseudo_labeller=dict(
        activity=dict(_delete_=True, type='DeviationActivityLabeller', min_frames=1),
        min_moment_frames=2),
    # L_sab in its literal and 'firing' readings collapses the encoder and
    # the link with it (reading 18 and docs/benchmarks.md): alpha_v = 0, the
    # paper's "w/o L_sab" row of Table 2; configs/dscnet_*_transport_sab.py put it back
    # at alpha_v = 0.5 with batch-centred distances (reading 26)
    video_losses=dict(sab=dict(loss_weight=0.0)),
    aligner=dict(
        _delete_=True,
        type='TransportAligner',
        max_points=1000,
        restarts=8,
        eps_schedule=(5e-2, 2e-2, 1e-2, 5e-3),
        outer=10,
        sinkhorn_iters=100))
