_base_ = ['../_base_/models/meanprior.py', '../_base_/datasets/charades-sta.py', '../_base_/default_runtime.py']

model = dict(train_annotation={{_base_.train_annotation}})
