"""Load a ``transformers`` CLIP (``CLIPModel`` + tokenizer + image
preprocessing) from a local folder or a hub name, with errors naming it."""
import os
import os.path as osp
import pickle
from dataclasses import dataclass
from typing import Any, Optional, Union

import torch

from ..datasets.errors import CheckpointError
from .image_preprocessing import ClipImagePreprocessing, read_preprocessor_config

#: The model the tools use by default (CLIP ViT-B/32, 512-d, as in the
#: moment_detr / lighthouse QVHighlights features).
DEFAULT_CLIP = 'openai/clip-vit-base-patch32'


class ModelLoadError(CheckpointError):
    """A model folder or hub name that does not give a CLIP model."""


@dataclass
class LoadedClip:
    """A CLIP model in eval mode on ``device``, its tokenizer and preprocessing."""
    model: Any
    tokenizer: Any
    preprocessing: ClipImagePreprocessing
    device: torch.device
    source: str


def default_device(device: Optional[Union[str, torch.device]] = None) -> torch.device:
    """``device`` if given, else ``cuda`` when available, else ``cpu``."""
    if device is not None:
        return torch.device(device)
    return torch.device('cuda' if torch.cuda.is_available() else 'cpu')


def is_local(name_or_path: str) -> bool:
    """A path (existing, or written like one) rather than a hub name
    ``owner/name``."""
    if osp.exists(name_or_path):
        return True
    return (name_or_path.startswith(('.', '/', '~')) or name_or_path.count('/') > 1
            or os.sep != '/' and os.sep in name_or_path)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f'{type(err).__name__}: {text[0]}' if text else type(err).__name__


def _preprocessor(name_or_path: str, local: bool) -> Optional[dict]:
    if local:
        return read_preprocessor_config(name_or_path)
    from transformers.utils import cached_file
    try:
        path = cached_file(name_or_path, 'preprocessor_config.json',
                           _raise_exceptions_for_missing_entries=False,
                           _raise_exceptions_for_connection_errors=False)
    except OSError:
        return None
    return read_preprocessor_config(osp.dirname(path)) if path else None


def load_clip(name_or_path: str = DEFAULT_CLIP,
              device: Optional[Union[str, torch.device]] = None) -> LoadedClip:
    """Load ``CLIPModel`` and its tokenizer with ``from_pretrained``.

    Args:
        name_or_path: A folder written by ``save_pretrained`` (read with
            ``local_files_only=True``) or a hub name such as
            ``openai/clip-vit-base-patch32`` (downloaded once into the
            Hugging Face cache).
        device: Where the model runs (default: cuda when available, else cpu).

    Returns:
        :class:`LoadedClip`; the model is frozen (``requires_grad=False``)
        and in eval mode.

    Raises:
        ModelLoadError: the folder is missing, is not a CLIP model, or the
            name could not be loaded (no network, unknown name...).
    """
    from transformers import AutoConfig, AutoTokenizer, CLIPConfig, CLIPModel

    name_or_path = os.fspath(name_or_path)
    local = is_local(name_or_path)
    if local:
        name_or_path = osp.expanduser(name_or_path)
        if not osp.isdir(name_or_path):
            raise ModelLoadError(name_or_path, 'CLIP model folder not found (give a folder '
                                 'written by save_pretrained, or a hub name such as '
                                 f'{DEFAULT_CLIP})')
    kwargs = dict(local_files_only=True) if local else {}
    try:
        config = AutoConfig.from_pretrained(name_or_path, **kwargs)
    except (OSError, ValueError, KeyError) as e:
        where = 'has no readable config.json' if local else 'could not be loaded'
        raise ModelLoadError(name_or_path, f'{where} ({_first_line(e)})') from None
    if not isinstance(config, CLIPConfig):
        raise ModelLoadError(name_or_path, f'is a {config.model_type!r} model, expected a '
                             "CLIP model (model_type 'clip')")
    try:
        model = CLIPModel.from_pretrained(name_or_path, config=config, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(name_or_path, **kwargs)
    except pickle.UnpicklingError as e:  # torch.load(weights_only=True) refused it
        raise ModelLoadError(name_or_path, 'weights refused: a pickled file in it holds '
                             'more than tensors (it could run code when loaded; nothing was '
                             f'run) ({_first_line(e)})') from None
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as e:
        raise ModelLoadError(name_or_path, f'cannot load the CLIP weights or tokenizer '
                             f'({_first_line(e)})') from None
    device = default_device(device)
    model = model.to(device).eval().float()
    model.requires_grad_(False)
    preprocessing = ClipImagePreprocessing.from_config(
        config.vision_config.image_size, _preprocessor(name_or_path, local))
    return LoadedClip(model=model, tokenizer=tokenizer, preprocessing=preprocessing,
                      device=device, source=name_or_path)
