"""Offline query tokenizer: lowercase, strip punctuation, split."""
import re
from typing import List

_TOKEN = re.compile(r"[^\W_]+")


def tokenize(sentence: str) -> List[str]:
    """Split a query into lowercase word tokens.

    Letters (any script) and digits form tokens; everything else
    (punctuation, apostrophes, hyphens, underscores) separates them: ``"The person's cup."`` becomes
    ``['the', 'person', 's', 'cup']``. No network or model download.
    """
    return _TOKEN.findall(sentence.lower())
