_base_ = ['../_base_/models/predictall.py', '../_base_/datasets/charades-sta.py', '../_base_/default_runtime.py']
