# Proposal windows of the models that rank windows of a frame curve
# (ProposalGrower; the model configs read it).
# ActivityNet moments range from a few seconds to the whole video; TFVTG's
# proposals there reach the full length.
proposal_windows = dict(scales=(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0))
