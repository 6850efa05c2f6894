"""Draw the score curves of chosen samples during validation / test."""
import logging
from typing import List, Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log

from ...registry import HOOKS
from ...visualization.grounding_visualizer import GroundingVisualizer, render_grounding
from .semantic_clustering_hook import unwrap


@HOOKS.register_module()
class GroundingVisualizationHook(Hook):
    """Sends the Figure-4 picture (frame scores over time, top predicted
    segment, ground truth) of chosen evaluation samples to the runner's
    visualizer, hence to its backends (``LocalVisBackend``: PNGs under
    ``<work_dir>/<timestamp>/vis_data/vis_image``; ``TensorBoardVisBackend``:
    image summaries).

    After each validation / test iteration the model's ``frame_scores``
    (``B x T``) are computed for the batch's chosen samples and drawn with
    their predictions (the iteration's outputs). The images are named
    ``{val|test}_sample{sample_idx}`` with the training iteration as step,
    so each validation adds its own. With the runner's visualizer a
    :class:`~dscnet_plugin.visualization.GroundingVisualizer` its
    ``add_datasample`` draws them; any other mmengine ``Visualizer`` receives
    the rendered image through ``add_image``. In a distributed run only the
    chosen samples of rank 0's shard are drawn (the visualizer records on
    rank 0 only).

    Args:
        num_samples: Draw the samples with dataset index ``0 ..
            num_samples - 1``.
        sample_indices: Draw these dataset indices instead.
        interval: Draw at every ``interval``-th validation.
        draw_val: Draw during validation.
        draw_test: Draw during test.
        draw_gt: Draw the ground-truth moment.
        draw_pred: Draw the top predicted segment.
    """

    priority = 'NORMAL'

    def __init__(self, num_samples: int = 4, sample_indices: Optional[Sequence[int]] = None,
                 interval: int = 1, draw_val: bool = True, draw_test: bool = True,
                 draw_gt: bool = True, draw_pred: bool = True) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.sample_indices = (set(int(i) for i in sample_indices)
                               if sample_indices is not None else None)
        self.num_samples = int(num_samples)
        self.interval = interval
        self.draw_val = draw_val
        self.draw_test = draw_test
        self.draw_gt = draw_gt
        self.draw_pred = draw_pred
        self._val_count = 0
        self._warned = False

    def _chosen(self, index: int) -> bool:
        if self.sample_indices is not None:
            return index in self.sample_indices
        return 0 <= index < self.num_samples

    def before_val_epoch(self, runner) -> None:
        self._val_count += 1

    def after_val_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                       outputs: Optional[Sequence] = None) -> None:
        if self.draw_val and (self._val_count - 1) % self.interval == 0:
            self.draw(runner, 'val', data_batch, outputs)

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence] = None) -> None:
        if self.draw_test:
            self.draw(runner, 'test', data_batch, outputs)

    @torch.no_grad()
    def draw(self, runner, mode: str, data_batch: Optional[dict],
             outputs: Optional[Sequence]) -> None:
        """Draw the chosen samples of one evaluated batch.

        Args:
            runner: The runner.
            mode: ``'val'`` or ``'test'`` (prefix of the image names).
            data_batch: The batch from the dataloader (``inputs``: per-sample
                dicts of ``video_feature`` ``T x D``, ``video_mask`` ``(T,)``,
                ``query_tokens`` / ``query_mask`` ``(L,)``).
            outputs: The batch's predicted data samples.
        """
        if not data_batch or not outputs:
            return
        wanted: List[int] = [i for i, s in enumerate(outputs)
                             if self._chosen(int(s.metainfo.get('sample_idx', -1)))]
        if not wanted:
            return
        model = unwrap(runner.model)
        if not hasattr(model, 'frame_scores'):
            if not self._warned:
                print_log(f'GroundingVisualizationHook: {type(model).__name__} has no '
                          '`frame_scores`; nothing drawn', logger='current',
                          level=logging.WARNING)
                self._warned = True
            return
        data = model.data_preprocessor(data_batch, False)
        inputs = {k: v[wanted] for k, v in data['inputs'].items()}
        scores = model.frame_scores(inputs)                                    # b x T
        mask = inputs['video_mask'].bool()
        visualizer = runner.visualizer
        for j, i in enumerate(wanted):
            sample = outputs[i]
            frame_scores = scores[j][mask[j]].float().cpu()                   # (T_real,)
            name = f'{mode}_sample{int(sample.metainfo["sample_idx"])}'
            if isinstance(visualizer, GroundingVisualizer):
                visualizer.add_datasample(name, data_sample=sample, frame_scores=frame_scores,
                                          draw_gt=self.draw_gt, draw_pred=self.draw_pred,
                                          step=runner.iter)
            else:
                visualizer.add_image(name, render_grounding(
                    sample, frame_scores, self.draw_gt, self.draw_pred), step=runner.iter)
