# Evaluation on the embedded synthetic dataset (the no-video priors): its
# annotations with the test settings of grounding_test.py.
_base_ = ['./demo_annotations.py', './grounding_test.py']

test_dataloader = dict(dataset=dict(annotation={{_base_.test_annotation}}))
