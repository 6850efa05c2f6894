# Training-free grounder in a vision-language space: the frame-query cosine
# ranked by ProposalGrower (TFVTG's static and dynamic scores without its LLM).
_base_ = ['./proposal_grower.py']

model = dict(type='ZeroShotVLMGrounder')
