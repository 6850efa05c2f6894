# configs/dscnet_activitynet_transport.py ranking TFVTG's windows of the score curve
# (ProposalGrower, the activitynet window scales of _base_/datasets/activitynet_windows.py)
# instead of growing regions, the temperature fitted so that the top-1 window
# reproduces the activity moment each centre's labels fall in (docs/method.md,
# reading 25).
_base_ = ['./dscnet_activitynet_transport.py', './_base_/datasets/activitynet_windows.py']

model = dict(
    grower=dict(_delete_=True, type='ProposalGrower',
                scales={{_base_.proposal_windows.scales}}),
    temperature_target='activity_run')  # 'centre_run': reading 24's target
