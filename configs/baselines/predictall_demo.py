_base_ = ['../_base_/models/predictall.py', '../_base_/datasets/demo.py', '../_base_/default_runtime.py']
