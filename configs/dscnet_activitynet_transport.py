# configs/dscnet_activitynet_centre_labels.py with the text-video link of optimal
# transport (see _base_/models/dscnet_transport.py).
_base_ = ['./dscnet_activitynet_centre_labels.py', './_base_/models/dscnet_transport.py']

model = {{_base_.transport_model}}
