"""The five stages of a DSCNet run, each on the real code path: the model
and hooks are built from the dataset's config (random vocabulary and word
vectors of the real size) and each stage calls the method the training /
test loop calls, after a warm-up, timing only that call."""
import copy
import math
from types import SimpleNamespace
from typing import Any, Callable, Dict

import torch

from dscnet_plugin.benchmark.meters import timed
from dscnet_plugin.benchmark.stages.inputs import (RandomVideoSet, RandomWordVectors, nbytes,
                                                   random_queries, random_videos, samples)
from dscnet_plugin.benchmark.stages.plan import Plan, hook_cfg, load_config

#: What a stage function returns: ``time_s``, ``steps``, ``resident_bytes``
#: and any stage-specific entries.
StageResult = Dict[str, Any]


def build_model(plan: Plan) -> torch.nn.Module:
    """The config's DSCNet with a random vocabulary of the dataset's size,
    on ``plan.device``."""
    from dscnet_plugin.datasets.text import Vocabulary
    from dscnet_plugin.registry import MODELS
    from dscnet_plugin.utils import build_pinned
    model_cfg = load_config(plan.config, plan.small).model.to_dict()
    s = plan.settings
    model_cfg.update(
        vocabulary=Vocabulary([f'w{i}' for i in range(s['vocab_size'] - 2)]),
        word_vectors=RandomWordVectors(s['word_dim'], plan.seed))
    torch.manual_seed(plan.seed)
    return build_pinned(MODELS, model_cfg).to(plan.device)


def build_hook(plan: Plan, type_name: str, **overrides) -> Any:
    """The config's ``type_name`` hook (``overrides`` applied)."""
    from dscnet_plugin.registry import HOOKS
    from dscnet_plugin.utils import build_pinned
    cfg = hook_cfg(load_config(plan.config, plan.small), type_name)
    return build_pinned(HOOKS, dict(cfg, **overrides))


def stage_language_epoch(plan: Plan) -> StageResult:
    """One epoch of ``L_w`` training of the text module (Adam, the hook's
    batch size and learning rate) over the training queries."""
    model = build_model(plan)
    tokens, mask = random_queries(plan.counts['train_queries'], plan)
    hook = build_hook(plan, 'SemanticClusteringHook', epochs=1)
    bs = hook.batch_size
    # warm-up (first-call imports and kernels of the loss and of Adam)
    params = [p for p in model.text_encoder.parameters() if p.requires_grad]
    sum(model.language_loss(tokens[:bs], mask[:bs]).values()).backward()
    torch.optim.Adam(params, lr=0.0).step()
    model.zero_grad(set_to_none=True)
    seconds = timed(lambda: hook.train_language(model, tokens, mask), torch.device(plan.device))
    return dict(time_s=seconds, steps=math.ceil(tokens.size(0) / bs),
                resident_bytes=nbytes(tokens, mask))


def stage_clustering(plan: Plan) -> StageResult:
    """Necks of every training query, then k-means of each neck."""
    model = build_model(plan).eval()
    tokens, mask = random_queries(plan.counts['train_queries'], plan)
    hook = build_hook(plan, 'SemanticClusteringHook')
    model.extract_necks(tokens[:8], mask[:8])  # warm-up
    out = {}
    seconds = timed(lambda: out.update(centers=hook.cluster(model, tokens, mask)),
                    torch.device(plan.device))
    return dict(time_s=seconds, steps=math.ceil(tokens.size(0) / 1024),
                resident_bytes=nbytes(tokens, mask, out['centers']))


def stage_relabel(plan: Plan) -> StageResult:
    """``IterativeRelabelHook.relabel`` of every neck (a relabelling pass
    after training; the initial pass makes one centre-free cut per video
    instead of ``N_e x N_c``), the features already in the hook's cache.

    The cache is forced on; ``cache_within_config_limit`` says whether the
    config's ``cache_limit_gb`` would keep it (if not, a real run re-reads
    the features for each relabelling, which is not measured here).
    """
    model = build_model(plan)
    s, n = plan.settings, plan.counts['train_videos']
    model.set_centers(torch.randn(s['num_necks'], s['num_clusters'], s['neck_dim']))
    model.init_label_bank(n)
    hook = build_hook(plan, 'IterativeRelabelHook', cache_features=True,
                      cache_limit_gb=float('inf'))
    runner = SimpleNamespace(model=model, train_dataloader=SimpleNamespace(
        dataset=RandomVideoSet(n, plan)))
    batches = hook._batches(runner, torch.device(plan.device))  # load once: the cache
    feats, mask, _ = batches[0]
    model.eval()
    model.compute_labels(feats[:2], mask[:2], [0])  # warm-up
    necks = list(range(s['num_necks']))
    seconds = timed(lambda: hook.relabel(runner, necks), torch.device(plan.device))
    cache = sum(nbytes(*b) for b in batches)
    return dict(time_s=seconds, steps=len(batches),
                resident_bytes=cache + nbytes(model.pseudo_labels),
                cache_within_config_limit=cache <= s['relabel_cache_limit_gb'] * 2**30)


def stage_video_epoch(plan: Plan) -> StageResult:
    """One epoch of ``model.train_step`` (neck 0) over the training videos in
    random order, the features resident on the device."""
    from mmengine.optim import build_optim_wrapper
    model = build_model(plan).train()
    s, n = plan.settings, plan.counts['train_videos']
    model.set_centers(torch.randn(s['num_necks'], s['num_clusters'], s['neck_dim']))
    model.init_label_bank(n)
    model.pseudo_labels.copy_(torch.rand(model.pseudo_labels.shape) < 0.3)
    feats, mask = random_videos(n, plan)
    optim = build_optim_wrapper(model, copy.deepcopy(s['video_optimizer']))
    items = samples(n, plan.seed)
    bs = s['video_batch_size']

    def step(idx: torch.Tensor) -> None:
        model.train_step(dict(inputs=dict(video_feature=feats[idx], video_mask=mask[idx]),
                              data_samples=[items[i] for i in idx.tolist()]), optim)

    def epoch() -> None:
        order = torch.randperm(n, generator=torch.Generator().manual_seed(plan.seed))
        for idx in order.to(plan.device).split(bs):
            step(idx)

    step(torch.arange(min(bs, n), device=plan.device))  # warm-up
    seconds = timed(epoch, torch.device(plan.device))
    return dict(time_s=seconds, steps=math.ceil(n / bs),
                resident_bytes=nbytes(feats, mask, model.pseudo_labels))


def stage_test(plan: Plan) -> StageResult:
    """``model.test_step`` over the test queries in order (each query with
    its video's features; the test videos resident on the device)."""
    model = build_model(plan).eval()
    n_videos, n_queries = plan.counts['test_videos'], plan.counts['test_queries']
    feats, mask = random_videos(n_videos, plan)
    tokens, qmask = random_queries(n_queries, plan)
    video_of = torch.randint(n_videos, (n_queries,),
                             generator=torch.Generator().manual_seed(plan.seed))
    items = samples(n_queries, plan.seed)
    bs = plan.settings['test_batch_size']

    def batch(q: torch.Tensor) -> None:
        v = video_of[q].to(plan.device)
        qd = q.to(plan.device)
        model.test_step(dict(inputs=dict(video_feature=feats[v], video_mask=mask[v],
                                         query_tokens=tokens[qd], query_mask=qmask[qd]),
                             data_samples=[items[i] for i in q.tolist()]))

    batch(torch.arange(min(2, n_queries)))  # warm-up
    seconds = timed(lambda: [batch(q) for q in torch.arange(n_queries).split(bs)],
                    torch.device(plan.device))
    return dict(time_s=seconds, steps=math.ceil(n_queries / bs),
                resident_bytes=nbytes(feats, mask, tokens, qmask))


STAGE_FNS: Dict[str, Callable[[Plan], StageResult]] = dict(
    language_epoch=stage_language_epoch, clustering=stage_clustering,
    relabel=stage_relabel, video_epoch=stage_video_epoch, test=stage_test)
