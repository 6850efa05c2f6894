# DSCNet (Liu et al., AAAI 2022) with the paper's hyper-parameters.
# N_e, d_e come from the text encoder, d_v from the video encoder; the model
# fills them into the heads. The dataset config sets `vocabulary`,
# `word_vectors`, `video_encoder.in_dim` and `num_frames`.
model = dict(
    type='DSCNet',
    word_vectors=dict(type='KumoGloveVectors'),  # GloVe (paper); any GloVe .txt works
    text_encoder=dict(
        type='LSTMNeckAutoEncoder',
        hidden_dim=512,  # LSTM hidden size d_r (paper: 512)
        num_layers=2,  # encoder and decoder LSTMs (paper: 2 layers)
        num_necks=4,  # N_e (paper: 4 Charades-STA, 8 ActivityNet; Table 4)
        neck_dim=256),  # d_e (not given in the paper)
    video_encoder=dict(
        type='SelfAttentionVideoEncoder',
        in_dim=4096,  # C3D
        embed_dim=512,  # d_v (not given in the paper)
        num_heads=8,
        num_layers=1,
        dropout=0.0,
        norm_first=False),  # post-norm blocks; True: pre-norm (docs/method.md, reading 28)
    specific_head=dict(
        type='SpecificAttentionHead',
        joint_dim=1024,  # d_e' (paper: 1024)
        score_norm='sigmoid',  # 'softmax' = literal Eq. 4 scores in Eq. 12
        center_bias=True),  # False: no bias (centre labels variant, reading 17)
    foreground_head=dict(
        type='ForegroundAttentionHead',
        hidden_dim=256,
        num_layers=2,
        kernel_size=3,
        score_norm='sigmoid'),  # 'softmax' = literal A_fore
    clusterer=dict(
        type='KMeansNeckClusterer',
        num_clusters=16,  # N_c (paper: 16)
        center_mode='center'),  # Table 3: 'center' | 'sample' | 'random'
    # one centre-free cut copied to every centre (docs/method.md, reading 5);
    # labels that depend on the centre: _base_/models/dscnet_centre_labels.py
    pseudo_labeller=dict(
        type='NCutLabeller',
        center_weight=1.0,  # gamma; 0 = literal centre-independent cut
        bandwidth=1.0,
        num_iters=100,
        solver='power'),  # 'eigh': exact; 'auto': by device and T (docs/benchmarks.md, Speed)
    center_necks=False,  # True: centred, normalised necks (reading 16)
    score_mode='softmax_product',  # 'probability': calibrated (reading 19)
    grower=dict(
        type='TopKGrower',
        threshold=0.9,  # paper: 0.9 Charades-STA, 0.8 ActivityNet
        top_k=5,
        nms_thresh=0.5,
        compare='ge'),  # 'lt' = literal "less than"
    language_losses=dict(
        cel=dict(type='ReconstructionLoss', loss_weight=1.0),  # Eq. 1
        mse=dict(type='SentenceMSELoss', loss_weight=0.5),  # alpha_w, Eq. 3
        dqa=dict(type='NeckDiversityLoss', lambda_=0.5, loss_weight=0.5)),  # Eq. 2, beta_w
    video_losses=dict(
        cls=dict(type='GroundingBCELoss', loss_weight=1.0),  # Eq. 12-14
        sab=dict(
            type='SpecificAttentionLoss',  # Eq. 8-10
            theta=1.0,
            tau1=1e-4,
            tau2=1e-4,
            pairs='all',  # literal; 'firing': pairs where the centre fires (reading 18)
            centring='none',  # literal d; 'batch': d of batch-centred compositions (reading 26)
            loss_weight=0.5),  # alpha_v, Eq. 15
        trip=dict(type='ForegroundTripletLoss', margin=0.5, loss_weight=0.5)),  # Eq. 11, beta_v
    num_frames=128,
    foreground_vote=0.5,
    inference_temperature=1.0)
