"""token_accuracy: share of real tokens whose decoder argmax is the token."""
import math

import pytest
import torch

from dscnet_plugin.models.text_encoders import token_accuracy


def test_counts_real_tokens_only_aligned_with_the_targets():
    tokens = torch.tensor([[3, 1, 0], [2, 2, 4]])
    mask = torch.tensor([[True, True, False], [True, True, True]])
    predicted = torch.tensor([[3, 2, 0], [2, 2, 1]])  # hits: 1 + 2 of 5 real tokens
    logits = torch.nn.functional.one_hot(predicted, 5).float()
    assert float(token_accuracy(logits, tokens, mask)) == pytest.approx(3 / 5)
    # the padded position is a miss here, yet changes nothing
    predicted[0, 2] = 4
    logits = torch.nn.functional.one_hot(predicted, 5).float()
    assert float(token_accuracy(logits, tokens, mask)) == pytest.approx(3 / 5)
    # decoded one step early: only the repeated token 2 still hits
    shifted = torch.nn.functional.one_hot(torch.tensor([[1, 0, 0], [2, 4, 0]]), 5).float()
    assert float(token_accuracy(shifted, tokens, mask)) == pytest.approx(1 / 5)


def test_no_real_token_gives_nan_and_bad_shapes_are_refused():
    logits = torch.zeros(1, 2, 3)
    assert math.isnan(float(token_accuracy(logits, torch.zeros(1, 2).long(),
                                           torch.zeros(1, 2, dtype=torch.bool))))
    with pytest.raises(ValueError, match='disagree'):
        token_accuracy(logits, torch.zeros(1, 3).long(), torch.ones(1, 3, dtype=torch.bool))
