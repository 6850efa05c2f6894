# configs/dscnet_charades_transport_sab.py with pre-norm self-attention blocks in the video
# encoder: the post-norm block's last LayerNorm lets a common vector of the feed-forward
# branch squash the frames' variation where the text says nothing about the video
# (docs/method.md, reading 28).
_base_ = ['./dscnet_charades_transport_sab.py']

model = dict(video_encoder=dict(norm_first=True))
