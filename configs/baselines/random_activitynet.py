_base_ = ['../_base_/models/random.py', '../_base_/datasets/activitynet.py', '../_base_/default_runtime.py']
