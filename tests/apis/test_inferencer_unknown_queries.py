"""``GroundingInferencer`` warns about a query with no word of the training
vocabulary (its result means nothing), once per query."""
from pathlib import Path

import numpy as np

from dscnet_plugin.apis import GroundingInferencer
from dscnet_plugin.datasets.text import unknown_queries

from ..engine.tiny_config import TINY_GENERATOR, isolated_run, make_tiny_cfg


def test_queries_without_a_known_word_are_warned_about_once(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(unknown_queries, 'print_log',
                        lambda msg, **kwargs: logged.append((msg, kwargs['level'])))
    with isolated_run(tmp_path):
        cfg = make_tiny_cfg(Path('data'), Path('work'))
        inferencer = GroundingInferencer(cfg, device='cpu')  # random weights: enough here
        video = np.random.default_rng(0).standard_normal((20, TINY_GENERATOR['feature_dim']))
        queries = ['🦓 🤹', 'the person opens a box.', '?!']
        results = inferencer(video, queries, duration=10.0)
        inferencer(video, queries[0], duration=10.0)
    assert [r['query'] for r in results] == queries
    tail = 'has no word of the training vocabulary (read as <unk>; its result means nothing)'
    assert logged == [(f"query '🦓 🤹' {tail}", 30), (f"query '?!' {tail}", 30)]
