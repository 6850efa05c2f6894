_base_ = ['../_base_/models/freqprior.py', '../_base_/datasets/demo.py', '../_base_/default_runtime.py']

model = dict(train_annotation={{_base_.train_annotation}})
