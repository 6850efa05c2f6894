"""Algorithm 1, before training: language module, necks, centres."""

import torch
from mmengine.dist import broadcast, get_rank, is_distributed
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from ...registry import DATASETS, HOOKS
from ...utils import build_pinned, track


def unwrap(model):
    """The model inside a DDP wrapper (or the model itself)."""
    return model.module if is_model_wrapper(model) else model


def collate_queries(dataset) -> tuple:
    """Run ``dataset``'s pipeline on every item; ``(M x L tokens, M x L mask)``."""
    items = [dataset[i]['inputs'] for i in track(range(len(dataset)))]
    tokens = torch.stack([x['query_tokens'] for x in items])
    mask = torch.stack([x['query_mask'] for x in items]).bool()
    return tokens, mask


@HOOKS.register_module()
class SemanticClusteringHook(Hook):
    """Before the first epoch: train the language module on the training
    query set (``L_w``, Eq. 3, its own Adam optimiser), extract the necks of
    every training query and cluster them into the centres ``C`` (stored in
    the model). Skipped when the model already has centres (a resumed run).

    Args:
        query_set: Config of the query collection
            (:class:`~dscnet_plugin.datasets.QuerySetDataset` with a
            ``TokenizeQuery`` + ``PackGroundingInputs`` pipeline).
        epochs: Language-module epochs.
        batch_size: Queries per step.
        lr: Adam learning rate (paper: 1e-4).
        log_interval: Log every this many epochs.
        seed: Seed of the query shuffling.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, query_set: dict, epochs: int = 10, batch_size: int = 64,
                 lr: float = 1e-4, log_interval: int = 1, seed: int = 0) -> None:
        self.query_set = query_set
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.log_interval = log_interval
        self.seed = seed

    def before_train(self, runner) -> None:
        model = unwrap(runner.model)
        if bool(model.centers_ready):
            print_log('[language] centres found in the checkpoint; language stage '
                      'skipped', logger='current')
            return
        device = model.centers.device
        tokens, mask = collate_queries(build_pinned(DATASETS, self.query_set))
        tokens, mask = tokens.to(device), mask.to(device)
        if get_rank() == 0 or not is_distributed():
            self.train_language(model, tokens, mask)
            centers = self.cluster(model, tokens, mask)
        else:
            centers = torch.zeros_like(model.centers)
        if is_distributed():  # rank 0's language module and centres for all
            for p in model.text_encoder.parameters():
                broadcast(p.data, 0)
            broadcast(centers, 0)
            broadcast(model.neck_mean, 0)  # how the necks are centred
            broadcast(model.center_share, 0)
            broadcast(model.center_words, 0)
        model.set_centers(centers)

    def train_language(self, model, tokens: torch.Tensor, mask: torch.Tensor) -> None:
        """Train ``model.text_encoder`` with ``L_w`` on all queries."""
        params = [p for p in model.text_encoder.parameters() if p.requires_grad]
        optim = torch.optim.Adam(params, lr=self.lr)
        gen = torch.Generator().manual_seed(self.seed)
        model.text_encoder.train()
        m = tokens.size(0)
        for epoch in track(range(self.epochs)):
            order = torch.randperm(m, generator=gen).to(tokens.device)
            sums, steps = {}, 0
            for i in range(0, m, self.batch_size):
                idx = order[i:i + self.batch_size]
                losses = model.language_loss(tokens[idx], mask[idx])
                optim.zero_grad()
                sum(losses.values()).backward()
                optim.step()
                for k, v in losses.items():
                    sums[k] = sums.get(k, 0.0) + float(v.detach())
                steps += 1
            if (epoch + 1) % self.log_interval == 0 or epoch + 1 == self.epochs:
                names = dict(loss_cel='L_cel', loss_mse='L_mse', loss_dqa='L_dqa')
                text = '  '.join(f'{names.get(k, k)}: {v / steps:.4f}' for k, v in sums.items())
                print_log(f'[language] epoch {epoch + 1}/{self.epochs}  {text}', logger='current')
        model.text_encoder.eval()

    def cluster(self, model, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Necks of all queries -> ``N_e x N_c x d_e`` centres."""
        necks = torch.cat([model.extract_necks(tokens[i:i + 1024], mask[i:i + 1024])
                           for i in track(range(0, tokens.size(0), 1024))])
        necks = model.prepare_necks(necks, fit=True)
        centers = model.clusterer(necks)
        model.set_centers(centers, necks, model.query_word_vectors(tokens, mask))
        print_log(f'[cluster] {necks.size(0)} queries x {necks.size(1)} necks -> '
                  f'{centers.size(1)} centres per neck '
                  f'({type(model.clusterer).__name__}, mode '
                  f'{getattr(model.clusterer, "center_mode", "-")})', logger='current')
        return centers
