# configs/dscnet_demo.py with labels that depend on the centre and the other
# readings of issue 11 (see _base_/models/dscnet_centre_labels.py).
_base_ = ['./dscnet_demo.py', './_base_/models/dscnet_centre_labels.py']

model = {{_base_.centre_labels_model}}
