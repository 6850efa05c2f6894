"""The no-video priors on a tiny synthetic annotation."""
import json

import pytest

from dscnet_plugin.benchmark.priors import grounding_samples, prior_metrics
from dscnet_plugin.benchmark.render import render_accuracy
from dscnet_plugin.benchmark.specs import MODELS as MODEL_SPECS, prior_names
from dscnet_plugin.evaluation import GroundingRecall
from dscnet_plugin.registry import DATA_SOURCES, MODELS
from dscnet_plugin.utils import build_pinned
from dscnet_plugin.visualization import METRIC_KEYS

PRIORS = prior_names(MODEL_SPECS)


def test_priors_on_a_tiny_synthetic_annotation(tmp_path):
    generator = dict(type='SyntheticGroundingGenerator', data_root=str(tmp_path),
                     num_train_videos=12, num_test_videos=6, clips_range=(10, 20),
                     feature_dim=8, latent_dim=8, word_dim=8)
    build_pinned(DATA_SOURCES, generator).prepare()
    ann = dict(type='SyntheticGroundingAnnotation', generator=generator)
    evaluator = dict(type='GroundingRecall', topk=(1, 5), iou_thrs=(0.3, 0.5, 0.7),
                     nms_thresh=0.5, iou_cmp='>=', clip_end=True)
    samples = grounding_samples(dict(ann, split='test'))
    rows = prior_metrics(dict(ann, split='train'), samples, evaluator, PRIORS)
    assert set(rows) == set(PRIORS)
    # each prior evaluated by its own forward and the metric, batch by batch
    for name in PRIORS:
        model = build_pinned(MODELS, dict(type=name, train_annotation=dict(ann, split='train'))
                             if name in ('FrequencyPrior', 'MeanMomentPrior') else
                             dict(type=name))
        metric = GroundingRecall(**{k: v for k, v in evaluator.items() if k != 'type'})
        data = [samples[i]['data_samples'] for i in range(len(samples))]
        for start in range(0, len(data), 4):
            batch = model.forward(None, data[start:start + 4], mode='predict')
            metric.process(None, [x.to_dict() for x in batch])
        expected = metric.compute_metrics(metric.results)
        for k in METRIC_KEYS:
            assert rows[name][k] == pytest.approx(expected[k], abs=1e-9), (name, k)
    assert len({rows[n]['mIoU'] for n in PRIORS}) == len(PRIORS)
    text = render_accuracy(dict(
        knobs=[0.7], labels={'charades': ['DSCNet']}, splits={'charades': ['test']},
        scales={'charades': 'tiny'}, results={},
        priors={'charades': {'test': dict(priors=rows, queries=len(samples))}}))
    assert f'**Charades-STA, test**, {len(samples)} queries (tiny):' in text
    assert '| FrequencyPrior | any |' in text
    json.dumps(rows)  # the JSON part is serialisable
