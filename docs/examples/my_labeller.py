"""A custom pseudo-labeller, plugged into DSCNet without editing the package.

Put this file anywhere on ``PYTHONPATH`` (or next to your config, with that
folder on the path) and add to the config::

    custom_imports = dict(imports=['my_labeller'], allow_failed_imports=False)
    model = dict(pseudo_labeller=dict(_delete_=True, type='MyLabeller', width=0.3))

``_delete_=True`` drops the keys of the base config's ``NCutLabeller``
(``center_weight``, ``bandwidth``, ``num_iters``), which ``MyLabeller`` does
not take. The class is registered in ``dscnet_plugin.registry.PSEUDO_LABELLERS``
and built by DSCNet with the ``dscnet_plugin`` scope pinned, so the
un-prefixed name works under any ``default_scope``.
"""
from typing import Optional

import torch

from dscnet_plugin.models.labellers import center_similarity
from dscnet_plugin.registry import PSEUDO_LABELLERS


@PSEUDO_LABELLERS.register_module()
class MyLabeller:
    """One contiguous segment per (video, centre): the ``width`` fraction of
    the video's real frames centred on the frame most similar to the centre.

    Without centres (the initial labels, when frames and centres share no
    space yet) the segment is centred on the frame least similar to the
    video's mean frame.

    Args:
        width: Fraction of the real frames labelled 1 (at least one frame).
    """

    def __init__(self, width: float = 0.3) -> None:
        if not 0 < width <= 1:
            raise ValueError(f'width must be in (0, 1], got {width}')
        self.width = width

    @torch.no_grad()
    def __call__(self, frames: torch.Tensor, centers: Optional[torch.Tensor],
                 mask: torch.Tensor, generator: Optional[torch.Generator] = None
                 ) -> torch.Tensor:
        """Same call as :class:`dscnet_plugin.models.NCutLabeller`.

        Args:
            frames: ``B x T x d`` frame features.
            centers: ``B x N_c x d`` or ``1 x N_c x d`` centres, or ``None``.
            mask: ``B x T`` bool, real frames.
            generator: Unused (this labeller is deterministic).

        Returns:
            ``B x N_c x T`` bool labels (``B x 1 x T`` when ``centers`` is
            None), False on padded frames.
        """
        mask = mask.bool()
        if centers is None:
            m = mask.unsqueeze(-1).to(frames.dtype)
            mean = (frames * m).sum(1, keepdim=True) / m.sum(1, keepdim=True).clamp(min=1)
            sim = -center_similarity(frames, mean)                   # B x 1 x T
        else:
            sim = center_similarity(frames, centers)                 # B x N_c x T
        real = mask.unsqueeze(1).expand_as(sim)
        peak = sim.masked_fill(~real, -float('inf')).argmax(-1, keepdim=True)
        # position of each frame among the real ones (padding may be anywhere)
        rank = real.long().cumsum(-1) - 1                            # B x N_c x T
        peak_rank = rank.gather(-1, peak)
        num_real = real.sum(-1, keepdim=True)
        length = (self.width * num_real).round().long().clamp(min=1)
        start = (peak_rank - length // 2).clamp(min=0)
        start = torch.minimum(start, (num_real - length).clamp(min=0))
        return real & (rank >= start) & (rank < start + length)
