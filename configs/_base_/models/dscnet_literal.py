# DSCNet as the paper's text reads literally where docs/method.md chose
# another reading for issue 11: one centre-free cut copied to every centre,
# raw necks, a biased centre projection, L_sim over every pair of the batch
# and the softmax-product inference score. Use it after dscnet.py in
# `_base_` and set `model = {{_base_.literal_model}}`, as
# configs/dscnet_charades_literal.py does.
literal_model = dict(
    specific_head=dict(center_bias=True),
    pseudo_labeller=dict(
        _delete_=True,
        type='NCutLabeller',
        center_weight=1.0,
        bandwidth=1.0,
        num_iters=100),
    aligner=None,
    center_necks=False,
    score_mode='softmax_product',
    video_losses=dict(sab=dict(pairs='all')))
