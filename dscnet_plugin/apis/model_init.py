"""Build a model from a config (and optionally load its checkpoint)."""
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint

from ..registry import MODELS, SCOPE


def init_model(config: Union[str, Config], checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu') -> torch.nn.Module:
    """Build ``config.model`` in eval mode on ``device``.

    Args:
        config: Config file path or :class:`mmengine.Config`.
        checkpoint: Optional checkpoint to load (models without weights, such
            as the priors, need none).
        device: Device to put the model on.

    Returns:
        The model, with ``cfg`` attached.
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', SCOPE)):
        model = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu')
    model.cfg = cfg
    return model.to(device).eval()
