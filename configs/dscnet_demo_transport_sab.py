# configs/dscnet_demo_transport.py with L_sab back at the paper's weight
# (alpha_v = 0.5, Eq. 15), its distances measured between compositions from which
# the batch mean is taken away (docs/method.md, reading 26).
_base_ = ['./dscnet_demo_transport.py']

model = dict(video_losses=dict(sab=dict(centring='batch', loss_weight=0.5)))  # alpha_v
