# configs/dscnet_charades_transport_prenorm.py with a check of the text-video link: the
# queries are coupled with the moments a second time from other random starts, and when
# the two couplings disagree (no structure the two sides share pins one down) the model
# scores frames by its foreground head alone instead of reading a query through a link
# that is not there (docs/method.md, reading 29).
_base_ = ['./dscnet_charades_transport_prenorm.py']

model = dict(
    link_threshold=0.5,  # mean cosine of the two solves' query targets
    aligner=dict(check_restarts=16))
