_base_ = ['../_base_/models/freqprior.py', '../_base_/datasets/charades-sta_jsonl.py', '../_base_/default_runtime.py']

model = dict(train_annotation={{_base_.train_annotation}})
