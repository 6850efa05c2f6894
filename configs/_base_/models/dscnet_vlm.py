# DSCNet in a vision-language space (reading: docs/vlm.md, "DSCNet-VLM"). The
# centres are K-means clusters of the training queries' VLM text features (one
# neck); the initial labels come from the frame-centre cosine; the video module
# maps the frames onto the text side of the space (SharedSpaceHead) and is
# trained against the labels; at inference the query's own feature is its
# centre and ProposalGrower ranks windows of the learned cosine curve. The
# dataset config sets `feature_dim`, `num_frames` and the windows.
_base_ = ['./proposal_grower.py']

model = dict(
    type='DSCNetVLM',
    specific_head=dict(
        type='SharedSpaceHead',
        temperature=0.05,  # cosines / temperature are the logits
        center_frames=True),  # frames minus their video's mean frame
    clusterer=dict(
        type='KMeansNeckClusterer',
        num_clusters=64,  # N_c (paper: 16 for its LSTM necks; see docs/vlm.md)
        center_mode='center'),
    pseudo_labeller=dict(
        type='AnchorShareLabeller',
        activity_share=0.3,  # Charades-STA moments: 30 % of their video on average
        smooth=3),
    video_losses=dict(
        reg=dict(type='CentreRegressionLoss', loss_weight=1.0)),
    video_encoder=None,  # e.g. dict(type='SelfAttentionVideoEncoder', embed_dim=512)
    foreground_head=None,
    center_queries=True,  # queries minus the training queries' mean
    anchor_weight=1.0,  # relabel from the anchor only; < 1 blends in the learned logits
    score_mode='cosine')
