"""Algorithm 1, before training: language module, necks, centres."""

from typing import Dict, List, Optional

import torch
from mmengine.dist import broadcast, get_rank, is_distributed
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from ...models.text_encoders import token_accuracy
from ...registry import DATASETS, HOOKS
from ...utils import build_pinned, track
from ..plateau_stopper import PlateauStopper

#: Names of the language-loss terms in the log.
LOSS_NAMES = dict(loss_cel='L_cel', loss_mse='L_mse', loss_dqa='L_dqa')


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

    Every epoch logs the mean ``L_w`` terms of its steps and the token
    accuracy of the module at the end of the epoch (the share of real query
    tokens whose decoder argmax is the token, see
    :func:`~dscnet_plugin.models.text_encoders.token_accuracy`). The
    accuracy is measured on the training queries themselves (the language
    module is an auto-encoder of that set; no query is held out).

    With ``patience`` set, ``epochs`` is the most epochs: training stops
    after ``patience`` epochs in a row in which the token accuracy did not
    rise by more than ``min_delta`` above its best (see
    :class:`~dscnet_plugin.engine.PlateauStopper`), and the reason is
    logged. ``patience=None`` trains exactly ``epochs`` epochs (the paper's
    fixed schedule).

    Args:
        query_set: Config of the query collection
            (:class:`~dscnet_plugin.datasets.QuerySetDataset` with a
            ``TokenizeQuery`` + ``PackGroundingInputs`` pipeline).
        epochs: Language-module epochs (the most epochs with ``patience``).
        batch_size: Queries per step.
        lr: Adam learning rate (paper: 1e-4).
        log_interval: Log every this many epochs (the last epoch, and the
            one training stops at, are always logged).
        seed: Seed of the query shuffling.
        patience: Epochs without a rise of the token accuracy after which
            training stops; None: train ``epochs`` epochs.
        min_delta: A rise counts when the accuracy exceeds its best so far
            by more than this.

    Attributes:
        history: One dict per epoch trained by the last
            :meth:`train_language`: ``epoch`` (1-based), the mean loss terms
            (``loss_cel``, ...) and ``token_acc``.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, query_set: dict, epochs: int = 10, batch_size: int = 64,
                 lr: float = 1e-4, log_interval: int = 1, seed: int = 0,
                 patience: Optional[int] = None, min_delta: float = 0.002) -> None:
        self.query_set = query_set
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.log_interval = log_interval
        self.seed = seed
        PlateauStopper(patience, min_delta)  # checks the two arguments
        self.patience = patience
        self.min_delta = min_delta
        self.history: List[Dict[str, float]] = []

    def before_train(self, runner) -> None:
        model = unwrap(runner.model)
        if bool(model.centers_ready):
            print_log('[language] centres found in the checkpoint; language stage '
                      'skipped', logger='current')
            return
        device = model.centers.device
        tokens, mask = self.queries()
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
            broadcast(model.word_mean, 0)
        model.set_centers(centers)

    def queries(self) -> tuple:
        """``(M x L tokens, M x L mask)`` of the training query set."""
        return collate_queries(build_pinned(DATASETS, self.query_set))

    def train_language(self, model, tokens: torch.Tensor, mask: torch.Tensor) -> None:
        """Train ``model.text_encoder`` with ``L_w`` on all queries, for
        ``epochs`` epochs or until the token accuracy stops rising."""
        params = [p for p in model.text_encoder.parameters() if p.requires_grad]
        optim = torch.optim.Adam(params, lr=self.lr)
        gen = torch.Generator().manual_seed(self.seed)
        stopper = PlateauStopper(self.patience, self.min_delta)
        self.history = []
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
            record = {k: v / steps for k, v in sums.items()}
            record['token_acc'] = self.evaluate_accuracy(model, tokens, mask)
            self.history.append(dict(epoch=epoch + 1, **record))
            stop = stopper.step(record['token_acc'])
            if stop or (epoch + 1) % self.log_interval == 0 or epoch + 1 == self.epochs:
                text = '  '.join(f'{LOSS_NAMES.get(k, k)}: {v:.4f}' for k, v in record.items())
                print_log(f'[language] epoch {epoch + 1}/{self.epochs}  {text}', logger='current')
            if stop:
                print_log(f"[language] {stopper.reason('token accuracy', self.epochs)}",
                          logger='current')
                break
        else:
            if self.patience is not None:
                print_log(f'[language] token accuracy {stopper.best:.3f} (epoch '
                          f'{stopper.best_step}) still rose by > {self.min_delta:g} within '
                          f'the last {self.patience} epochs: all {self.epochs} epochs run',
                          logger='current')
        model.text_encoder.eval()

    @staticmethod
    @torch.no_grad()
    def evaluate_accuracy(model, tokens: torch.Tensor, mask: torch.Tensor,
                          chunk: int = 1024) -> float:
        """Token accuracy of ``model.text_encoder`` on all ``M x L`` queries
        (eval mode, in chunks of ``chunk`` queries; the mode is restored)."""
        encoder = model.text_encoder
        was_training = encoder.training
        encoder.eval()
        hits = total = 0.0
        for i in range(0, tokens.size(0), chunk):
            t, k = tokens[i:i + chunk], mask[i:i + chunk]
            real = float(k.sum())
            hits += float(token_accuracy(encoder(t, k)['logits'], t, k)) * real
            total += real
        encoder.train(was_training)
        return hits / total if total else float('nan')

    def cluster(self, model, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Necks of all queries -> ``N_e x N_c x d_e`` centres."""
        necks = torch.cat([model.extract_necks(tokens[i:i + 1024], mask[i:i + 1024])
                           for i in track(range(0, tokens.size(0), 1024))])
        necks = model.prepare_necks(necks, fit=True)
        model.fit_centers(necks, model.query_word_vectors(tokens, mask))
        centers = model.centers.clone()  # as stored (unit directions with centred necks)
        print_log(f'[cluster] {necks.size(0)} queries x {necks.size(1)} necks -> '
                  f'{centers.size(1)} centres per neck '
                  f'({type(model.clusterer).__name__}, mode '
                  f'{getattr(model.clusterer, "center_mode", "-")})', logger='current')
        return centers
