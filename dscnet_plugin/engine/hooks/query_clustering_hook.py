"""DSCNet-VLM, before training: centres from the training queries' VLM features."""
import torch
from mmengine.dist import broadcast, get_rank, is_distributed
from mmengine.hooks import Hook
from mmengine.logging import print_log

from ...registry import DATASETS, HOOKS
from ...utils import build_pinned, track
from .semantic_clustering_hook import unwrap


def collate_query_features(dataset) -> torch.Tensor:
    """``M x D`` ``query_feature`` inputs of every item of ``dataset``."""
    return torch.stack([dataset[i]['inputs']['query_feature'] for i in track(range(len(dataset)))])


@HOOKS.register_module()
class QueryClusteringHook(Hook):
    """Before the first epoch: read the VLM feature of every training query
    (the query set's pipeline holds a ``LoadQueryFeatures``) and cluster
    them into the model's centres (:meth:`DSCNetVLM.fit_centers`); the
    language module of the paper is the frozen VLM text tower, so nothing is
    trained here. Skipped when the model already has centres (a resumed
    run). With several processes rank 0 clusters and broadcasts.

    Args:
        query_set: Config of the query collection
            (:class:`~dscnet_plugin.datasets.QuerySetDataset`).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, query_set: dict) -> None:
        self.query_set = query_set

    def before_train(self, runner) -> None:
        model = unwrap(runner.model)
        if bool(model.centers_ready):
            print_log('[cluster] centres found in the checkpoint; clustering skipped',
                      logger='current')
            return
        if get_rank() == 0 or not is_distributed():
            feats = collate_query_features(build_pinned(DATASETS, self.query_set))
            centers = model.fit_centers(feats)
            print_log(f'[cluster] {feats.size(0)} query features ({feats.size(1)}-d) -> '
                      f'{centers.size(1)} centres ({type(model.clusterer).__name__})',
                      logger='current')
        else:
            centers = torch.zeros_like(model.centers)
        if is_distributed():
            broadcast(centers, 0)
            broadcast(model.query_mean, 0)
        model.set_centers(centers)
