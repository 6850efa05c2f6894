"""The zero-shot VLM configs load, build their model and metrics, and name
the readers of the shared VLM layout (the readers themselves are tested
with their own code)."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator

from dscnet_plugin.models import ZeroShotVLMGrounder
from dscnet_plugin.registry import METRICS, MODELS
from dscnet_plugin.structures import GroundingDataSample
from dscnet_plugin.utils import build_pinned, pipeline_steps, propagate_data_root

REPO = Path(__file__).resolve().parents[1]
DATASETS = {'charades-sta': 'test.jsonl', 'activitynet': 'val_2.jsonl',
            'qvhighlights': 'val.jsonl'}


def _load(name: str) -> Config:
    return Config.fromfile(str(REPO / f'configs/zeroshot_vlm_{name}.py'))


@pytest.mark.parametrize('name', sorted(DATASETS))
def test_config_names_the_vlm_layout(name):
    cfg = _load(name)
    assert cfg.default_scope == 'dscnet_plugin'
    assert cfg.data_root == f'data/vlm/{name}'
    assert cfg.video_features.type == 'ArrayDirFeatures'
    assert (cfg.video_features.path, cfg.video_features.npz_key) == ('video_features', 'features')
    assert '.npz' in cfg.video_features.suffixes
    assert cfg.text_features.type == 'QueryFeatures'
    assert (cfg.text_features.path, cfg.text_features.key,
            cfg.text_features.name_format) == ('text_features', 'pooler_output', 'qid{qid}.npz')
    for reader in (cfg.video_features, cfg.text_features, cfg.train_annotation,
                   cfg.test_annotation):
        assert reader.data_root == cfg.data_root
    assert cfg.train_annotation.type == cfg.test_annotation.type == 'MomentDETRAnnotation'
    assert cfg.train_annotation.ann_file == 'train.jsonl'
    assert cfg.test_annotation.ann_file == DATASETS[name]
    dataset = cfg.test_dataloader.dataset
    assert dataset.annotation == cfg.test_annotation
    assert [t.type for t in pipeline_steps(dataset.pipeline)] == [
        'LoadVideoFeatures', 'ResampleFeatures', 'LoadQueryFeatures', 'PackGroundingInputs']
    assert dataset.pipeline.load.reader == cfg.video_features
    assert dataset.pipeline.resample.short_mode == 'pad'  # real frames first, padding masked
    assert dataset.pipeline.query.reader == cfg.text_features
    hook = cfg.custom_hooks[0]
    assert hook.type == 'PriorComparisonHook' and hook.other_video_queries
    assert hook.train_annotation == cfg.train_annotation


@pytest.mark.parametrize('name', sorted(DATASETS))
def test_data_root_moves_every_reader(name):
    cfg = _load(name)
    original = cfg.data_root
    cfg.merge_from_dict(dict(data_root='/elsewhere'))
    propagate_data_root(cfg, original)
    for reader in (cfg.video_features, cfg.test_dataloader.dataset.pipeline.load.reader,
                   cfg.test_dataloader.dataset.pipeline.query.reader,
                   cfg.test_dataloader.dataset.annotation):
        assert reader.data_root == '/elsewhere'


@pytest.mark.parametrize('name', sorted(DATASETS))
def test_config_builds_the_grounder(name):
    cfg = _load(name)
    model = build_pinned(MODELS, cfg.model)
    assert isinstance(model, ZeroShotVLMGrounder)
    assert model.grower.scales == tuple(cfg.model.grower.scales) and max(model.grower.scales) <= 1.0
    assert model.grower.top_k == (10 if name == 'qvhighlights' else 5)
    t = cfg.num_frames
    video = torch.zeros(2, t, 512)
    video[:, :, 1] = 1.0
    video[0, t // 4:t // 2, 0] = 3.0
    mask = torch.arange(t)[None] < torch.tensor([[t], [t // 2]])
    inputs = dict(video_feature=video, video_mask=mask,
                  query_feature=torch.nn.functional.one_hot(torch.tensor([0, 0]), 512).float())
    samples = [GroundingDataSample(metainfo=dict(duration=float(t))) for _ in range(2)]
    out = model(inputs, samples)
    assert out[0].pred_moments.shape[1] == 2 and len(out[0].pred_moments) <= model.grower.top_k
    assert float(out[1].pred_moments.max()) <= float(t)


def test_charades_and_activitynet_report_grounding_recall():
    for name in ('charades-sta', 'activitynet'):
        assert _load(name).test_evaluator.type == 'GroundingRecall'


def test_qvhighlights_reports_moment_detr_metrics_beside_recall():
    cfg = _load('qvhighlights')
    assert [m['type'] for m in cfg.test_evaluator] == ['MomentRetrievalMetric',
                                                       'GroundingRecall']
    evaluator = Evaluator([build_pinned(METRICS, m) for m in cfg.test_evaluator])
    sample = GroundingDataSample(metainfo=dict(duration=150.0))
    sample.gt_moment = torch.tensor([0.0, 10.0])
    sample.gt_windows = torch.tensor([[0.0, 10.0], [50.0, 60.0]])
    sample.pred_moments = torch.tensor([[50.0, 60.0], [0.0, 10.0]])
    sample.pred_scores = torch.tensor([0.9, 0.5])
    evaluator.process([sample])
    out = evaluator.evaluate(1)   # no key appears twice
    assert {'R1@0.5', 'R1@0.7', 'mAP@0.5', 'mAP@0.75', 'mAP', 'R5@0.5', 'R5@0.7',
            'mIoU'} <= set(out)
    assert out['mAP'] == 100.0 and out['R5@0.5'] == 100.0
