# ActivityNet Captions evaluation (the no-video priors): the annotations with the test
# settings of grounding_test.py.
_base_ = ['./activitynet_annotations.py', './grounding_test.py']

test_dataloader = dict(dataset=dict(annotation={{_base_.test_annotation}}))
