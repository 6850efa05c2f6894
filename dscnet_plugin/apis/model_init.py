"""Build a model from a config (and optionally load its checkpoint)."""
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from ..registry import MODELS, SCOPE
from .load_weights import load_weights


def init_model(config: Union[str, Config], checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu') -> torch.nn.Module:
    """Build ``config.model`` in eval mode on ``device``.

    Args:
        config: Config file path or :class:`mmengine.Config`.
        checkpoint: Optional checkpoint to load, strictly (models without
            weights, such as the priors, need none).
        device: Device to put the model on.

    Returns:
        The model, with ``cfg`` attached.

    Raises:
        CheckpointError: the checkpoint is missing, broken, refused (it may
            run code) or of another architecture (see
            :func:`~dscnet_plugin.apis.load_weights.apply_state_dict`).
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', SCOPE)):
        model = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_weights(model, checkpoint, cfg.filename if isinstance(cfg, Config) else None)
    model.cfg = cfg
    return model.to(device).eval()
