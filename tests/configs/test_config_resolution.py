"""The dataset bases resolve to the pipelines and loaders each of them once
wrote out in full, now that the loaders and their pipelines (named steps) live in
``unpaired_training.py``, the vision-language readers and steps in ``vlm_route.py``,
and each base sets only its values.

The expected values are the resolved configs of the bases before the shared
files (reader, ``T``, query length, annotation files, batch sizes and workers of
every loader, the top-level names of each base); no snapshot file is kept. The
change dropped no top-level helper variable (:data:`REMOVED_HELPERS`).
"""
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from mmengine.config import Config

from dscnet_plugin.utils import pipeline_steps, walk_dicts

REPO = Path(__file__).resolve().parents[2]
DATASETS = REPO / 'configs' / '_base_' / 'datasets'

#: top-level names the change removed from any resolved config
REMOVED_HELPERS: frozenset = frozenset()

#: feature bases: reader (data_root, path, feature_dim), T, query length, test ann_file
FEATURE_BASES = {
    'activitynet_video.py': (('data', 'activitynet_captions/features/sub_activitynet_v1-3.c3d.hdf5',
                              500), 256, 20, 'activitynet_captions/val_2.json'),
    'charades-sta_video.py': (('data', 'charades_sta/features/c3d.hdf5', 4096), 128, 10,
                              'charades_sta/charades_sta_test.txt'),
    'charades-sta_drn.py': (('data/CharadesSTA', 'C3D_unit16_overlap0.5_merged', 4096), 128, 10,
                            'Charades_sta_test.txt'),
    'demo_video.py': (('data/demo', 'features.hdf5', 128), 64, 10, None),
}
#: vision-language bases: data_root, T, test ann_file, validation ann_file
VLM_BASES = {
    'activitynet_vlm.py': ('data/vlm/activitynet', 256, 'val_2.jsonl', 'val_1.jsonl'),
    'charades-sta_vlm.py': ('data/vlm/charades-sta', 64, 'test.jsonl', 'test.jsonl'),
    'qvhighlights_vlm.py': ('data/vlm/qvhighlights', 75, 'val.jsonl', 'val.jsonl'),
}
#: (batch_size, num_workers, persistent_workers, shuffle) of train / val / test
LOADERS = {
    'feature': dict(train=(32, 2, True, True), val=(64, 0, False, False),
                    test=(64, 0, False, False)),
    'vlm': dict(train=(64, 0, False, True), val=(256, 0, False, False),
                test=(256, 0, False, False)),
}
COMMON_KEYS = {'data_root', 'feature_dim', 'num_frames', 'video_features', 'train_annotation',
               'test_annotation', 'video_steps', 'query_steps', 'pack_step',
               'train_dataloader', 'query_set', 'val_dataloader', 'test_dataloader',
               'test_evaluator', 'val_evaluator', 'test_cfg'}
#: the top-level names of each base, as before
BASE_KEYS = {
    'activitynet_video.py': COMMON_KEYS | {'max_query_len', 'vocabulary', 'val_annotation',
                                           'custom_hooks'},
    'charades-sta_video.py': COMMON_KEYS | {'max_query_len', 'vocabulary', 'custom_hooks'},
    'charades-sta_drn.py': COMMON_KEYS | {'max_query_len', 'vocabulary', 'custom_hooks'},
    'demo_video.py': COMMON_KEYS | {'max_query_len', 'vocabulary', 'custom_hooks', 'generator',
                                    'word_vectors'},
    'activitynet_vlm.py': COMMON_KEYS | {'clip_seconds', 'text_features', 'proposal_windows',
                                         'val_annotation'},
    'charades-sta_vlm.py': COMMON_KEYS | {'clip_seconds', 'text_features', 'proposal_windows'},
    'qvhighlights_vlm.py': COMMON_KEYS | {'clip_seconds', 'text_features', 'proposal_windows'},
}
#: the configs that read a dataset base with a video side, and that base
TOP_CONFIGS = {
    'dscnet_activitynet.py': 'activitynet_video.py',
    'dscnet_activitynet_centre_labels.py': 'activitynet_video.py',
    'dscnet_activitynet_transport.py': 'activitynet_video.py',
    'dscnet_activitynet_transport_proposals.py': 'activitynet_video.py',
    'dscnet_activitynet_transport_sab.py': 'activitynet_video.py',
    'dscnet_activitynet_transport_spread.py': 'activitynet_video.py',
    'dscnet_activitynet_transport_prenorm.py': 'activitynet_video.py',
    'dscnet_activitynet_transport_gated.py': 'activitynet_video.py',
    'baselines/boundaryprior_activitynet.py': 'activitynet_video.py',
    'dscnet_charades.py': 'charades-sta_video.py',
    'dscnet_charades_centre_labels.py': 'charades-sta_video.py',
    'dscnet_charades_transport.py': 'charades-sta_video.py',
    'dscnet_charades_transport_proposals.py': 'charades-sta_video.py',
    'dscnet_charades_transport_sab.py': 'charades-sta_video.py',
    'dscnet_charades_transport_spread.py': 'charades-sta_video.py',
    'dscnet_charades_transport_prenorm.py': 'charades-sta_video.py',
    'dscnet_charades_transport_gated.py': 'charades-sta_video.py',
    'baselines/boundaryprior_charades-sta.py': 'charades-sta_video.py',
    'dscnet_charades_drn.py': 'charades-sta_drn.py',
    'dscnet_demo.py': 'demo_video.py',
    'dscnet_demo_centre_labels.py': 'demo_video.py',
    'dscnet_demo_transport.py': 'demo_video.py',
    'dscnet_demo_transport_sab.py': 'demo_video.py',
    'dscnet_demo_transport_spread.py': 'demo_video.py',
    'dscnet_demo_transport_prenorm.py': 'demo_video.py',
    'dscnet_demo_transport_gated.py': 'demo_video.py',
    'dscnet_vlm_activitynet.py': 'activitynet_vlm.py',
    'zeroshot_vlm_activitynet.py': 'activitynet_vlm.py',
    'dscnet_vlm_charades-sta.py': 'charades-sta_vlm.py',
    'zeroshot_vlm_charades-sta.py': 'charades-sta_vlm.py',
    'dscnet_vlm_qvhighlights.py': 'qvhighlights_vlm.py',
    'zeroshot_vlm_qvhighlights.py': 'qvhighlights_vlm.py',
}
ALL_CONFIGS = sorted(str(p.relative_to(REPO / 'configs')) for p in (REPO / 'configs').rglob('*.py'))
READER_TYPES = ('VideoFeatures', 'HDF5Features', 'ArrayDirFeatures')  # tools/benchmark.py's


def load(path: Path) -> dict:
    return Config.fromfile(str(path)).to_dict()


def settings(loader: dict) -> Tuple:
    return (loader['batch_size'], loader['num_workers'], loader['persistent_workers'],
            loader['sampler']['shuffle'])


def steps_of(dataset: dict) -> dict:
    """``dataset`` with its pipeline as the list of steps it runs."""
    return dict(dataset, pipeline=pipeline_steps(dataset['pipeline']))


def check_loaders(cfg: dict, route: str, train: List[dict], query: List[dict],
                  test: List[dict], val_annotation: dict) -> None:
    """The pipelines of ``cfg`` in its three collections and its loaders' settings."""
    assert steps_of(cfg['train_dataloader']['dataset']) == dict(
        type='UnpairedVideoDataset', annotation=cfg['train_annotation'], pipeline=train)
    assert steps_of(cfg['query_set']) == dict(
        type='QuerySetDataset', annotation=cfg['train_annotation'], pipeline=query)
    assert steps_of(cfg['test_dataloader']['dataset']) == dict(
        type='GroundingDataset', annotation=cfg['test_annotation'], pipeline=test, test_mode=True)
    assert cfg['val_dataloader']['dataset'] == dict(cfg['test_dataloader']['dataset'],
                                                    annotation=val_annotation)
    # the steps run in the order unpaired_training.py names
    assert cfg['test_dataloader']['dataset']['pipeline']['order'] == [
        'load', 'resample', 'query', 'pack']
    for split, expected in LOADERS[route].items():
        loader = cfg[f'{split}_dataloader']
        assert settings(loader) == expected, split
        assert loader['sampler']['type'] == 'DefaultSampler'
    assert cfg['val_evaluator'] == cfg['test_evaluator']


@pytest.mark.parametrize('name', ALL_CONFIGS)
def test_every_config_resolves(name):
    cfg = load(REPO / 'configs' / name)
    assert not REMOVED_HELPERS & set(cfg)
    if not name.startswith('_base_'):
        assert cfg['default_scope'] == 'dscnet_plugin'


@pytest.mark.parametrize('name', sorted(BASE_KEYS))
def test_each_base_keeps_its_top_level_names(name):
    assert set(load(DATASETS / name)) == BASE_KEYS[name] - REMOVED_HELPERS


@pytest.mark.parametrize('name', sorted(FEATURE_BASES))
def test_feature_base_pipelines_and_loaders(name):
    (root, path, dim), frames, max_len, test_file = FEATURE_BASES[name]
    cfg = load(DATASETS / name)
    reader = dict(type='VideoFeatures', data_root=root, path=path, feature_dim=dim)
    assert (cfg['video_features'], cfg['feature_dim'], cfg['num_frames'],
            cfg['max_query_len']) == (reader, dim, frames, max_len)
    vocab = dict(type='QueryVocabulary', annotation=cfg['train_annotation'])
    assert cfg['vocabulary'] == vocab
    if test_file is not None:
        assert cfg['test_annotation']['ann_file'] == test_file
    video = [dict(type='LoadVideoFeatures', reader=reader),
             dict(type='ResampleFeatures', num_frames=frames)]
    query = [dict(type='TokenizeQuery', vocab=vocab, max_len=max_len),
             dict(type='PackGroundingInputs')]
    check_loaders(cfg, 'feature', video + [dict(type='PackGroundingInputs')], query,
                  video + query, cfg['test_annotation'])


@pytest.mark.parametrize('name', sorted(VLM_BASES))
def test_vlm_base_pipelines_and_loaders(name):
    root, frames, test_file, val_file = VLM_BASES[name]
    cfg = load(DATASETS / name)
    reader = dict(type='ArrayDirFeatures', data_root=root, path='video_features',
                  suffixes=('.npz', '.npy'), npz_key='features', feature_dim=512)
    text = dict(type='QueryFeatures', data_root=root, path='text_features', key='pooler_output',
                name_format='qid{qid}.npz', feature_dim=512)
    assert (cfg['video_features'], cfg['text_features'], cfg['feature_dim'],
            cfg['num_frames']) == (reader, text, 512, frames)
    assert cfg['test_annotation'] == dict(type='MomentDETRAnnotation', data_root=root,
                                          ann_file=test_file)
    val_annotation = cfg.get('val_annotation', cfg['test_annotation'])
    assert val_annotation['ann_file'] == val_file
    video = [dict(type='LoadVideoFeatures', reader=reader),
             dict(type='ResampleFeatures', num_frames=frames, short_mode='pad')]
    query = [dict(type='LoadQueryFeatures', reader=text, pool='mean'),
             dict(type='PackGroundingInputs')]
    check_loaders(cfg, 'vlm', video + [dict(type='PackGroundingInputs')], query,
                  video + query, val_annotation)


def test_the_top_configs_are_every_config_with_a_video_side():
    def reads_video(cfg: dict) -> bool:
        loader = cfg.get('test_dataloader') or {}
        return any(step['type'] == 'LoadVideoFeatures'
                   for step in pipeline_steps(loader.get('dataset', {}).get('pipeline')))
    found = {name for name in ALL_CONFIGS
             if not name.startswith('_base_') and reads_video(load(REPO / 'configs' / name))}
    assert found == set(TOP_CONFIGS)


@pytest.mark.parametrize('name', sorted(TOP_CONFIGS))
def test_top_configs_get_their_bases_collections(name):
    cfg, base = load(REPO / 'configs' / name), load(DATASETS / TOP_CONFIGS[name])
    assert cfg['test_dataloader'] == base['test_dataloader']
    for key in ('query_set', 'video_features', 'num_frames', 'feature_dim'):
        assert cfg[key] == base[key], key
    if cfg['train_dataloader'] is not None:  # training-free configs set None
        assert cfg['train_dataloader']['dataset'] == base['train_dataloader']['dataset']
    if cfg['val_dataloader'] is not None:
        assert (cfg['val_dataloader']['dataset']['pipeline']
                == base['test_dataloader']['dataset']['pipeline'])
    if name == 'dscnet_demo.py':  # its own loader settings, merged over the base's
        assert settings(cfg['train_dataloader']) == (16, 0, False, True)


@pytest.mark.parametrize('name', sorted(TOP_CONFIGS))
def test_every_reader_and_resample_is_a_dict_the_benchmark_walk_reaches(name):
    """tools/benchmark.py moves the features and ``T`` by walking every dict of
    the config for these types: each loader's steps must be such dicts."""
    cfg = Config.fromfile(str(REPO / 'configs' / name))
    for d in walk_dicts(cfg._cfg_dict):
        if d.get('type') in READER_TYPES:
            d['path'] = 'moved'
        elif d.get('type') == 'ResampleFeatures':
            d['num_frames'] = 7
    loaders: Dict[str, dict] = {k: cfg[k] for k in ('train_dataloader', 'val_dataloader',
                                                    'test_dataloader') if cfg[k] is not None}
    loaders['query_set'] = dict(dataset=cfg.query_set)
    for key, loader in loaders.items():
        for step in pipeline_steps(loader['dataset']['pipeline']):
            if step['type'] in ('LoadVideoFeatures', 'LoadQueryFeatures'):
                assert step['reader']['path'] == 'moved' or step['reader']['type'] == (
                    'QueryFeatures'), key
            if step['type'] == 'ResampleFeatures':
                assert step['num_frames'] == 7, key
    assert sum(s['type'] == 'ResampleFeatures'
               for s in pipeline_steps(cfg.test_dataloader.dataset.pipeline)) == 1


@pytest.mark.parametrize('dataset, without', [('charades', 'transport_proposals'),
                                              ('activitynet', 'transport_proposals'),
                                              ('demo', 'transport')])
def test_transport_sab_configs_only_put_the_centred_l_sab_back(dataset, without):
    sab = load(REPO / 'configs' / f'dscnet_{dataset}_transport_sab.py')
    proposals = load(REPO / 'configs' / f'dscnet_{dataset}_{without}.py')
    paper = load(REPO / 'configs' / f'dscnet_{dataset}.py')
    assert proposals['model']['video_losses']['sab']['loss_weight'] == 0.0
    assert sab['model']['video_losses']['sab'] == dict(
        proposals['model']['video_losses']['sab'], centring='batch',
        loss_weight=paper['model']['video_losses']['sab']['loss_weight'])
    assert paper['model']['video_losses']['sab']['centring'] == 'none'
    sab['model']['video_losses'].pop('sab')
    proposals['model']['video_losses'].pop('sab')
    assert sab == proposals


@pytest.mark.parametrize('dataset', ['charades', 'activitynet', 'demo'])
def test_transport_spread_configs_only_add_the_encoder_ceiling(dataset):
    spread = load(REPO / 'configs' / f'dscnet_{dataset}_transport_spread.py')
    sab = load(REPO / 'configs' / f'dscnet_{dataset}_transport_sab.py')
    assert 'spread' not in sab['model']['video_losses']
    assert spread['model']['video_losses'].pop('spread') == dict(
        type='EncoderSpreadLoss', max_cosine=0.8, loss_weight=1.0)
    assert spread == sab


@pytest.mark.parametrize('dataset', ['charades', 'activitynet', 'demo'])
def test_transport_prenorm_configs_only_put_the_encoder_norm_first(dataset):
    prenorm = load(REPO / 'configs' / f'dscnet_{dataset}_transport_prenorm.py')
    sab = load(REPO / 'configs' / f'dscnet_{dataset}_transport_sab.py')
    assert sab['model']['video_encoder']['norm_first'] is False
    assert prenorm['model']['video_encoder'].pop('norm_first') is True
    sab['model']['video_encoder'].pop('norm_first')
    assert prenorm == sab


@pytest.mark.parametrize('dataset', ['charades', 'activitynet', 'demo'])
def test_transport_gated_configs_only_add_the_link_check(dataset):
    gated = load(REPO / 'configs' / f'dscnet_{dataset}_transport_gated.py')
    prenorm = load(REPO / 'configs' / f'dscnet_{dataset}_transport_prenorm.py')
    assert 'link_threshold' not in prenorm['model']
    assert gated['model'].pop('link_threshold') == 0.5
    assert gated['model']['aligner'].pop('check_restarts') == 16
    assert gated == prenorm
