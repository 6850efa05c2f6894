# Proposal windows of the models that rank windows of a frame curve
# (ProposalGrower; the model configs read it).
# Charades-STA moments last ~8 s of ~30 s videos; TFVTG's longest proposal is
# half the video there.
proposal_windows = dict(scales=(0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5))
