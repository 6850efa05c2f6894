# configs/dscnet_demo_transport_sab.py with a ceiling on the mean pairwise cosine of
# the video encoder's frames, which the centred L_sab alone lets fall to a constant
# where the text says nothing about the video (docs/method.md, reading 27). Measured: it
# does not hold that collapse on simulated Charades-STA at knob 0 (the hinge has no
# gradient once the frames are one vector); kept as a selectable negative result.
_base_ = ['./dscnet_demo_transport_sab.py']

model = dict(video_losses=dict(spread=dict(type='EncoderSpreadLoss', max_cosine=0.8,
                                           loss_weight=1.0)))
