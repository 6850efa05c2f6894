"""mmengine Visualizer of grounding results (the paper's Figure 4)."""
import os
import os.path as osp
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.structures import BaseDataElement
from mmengine.visualization import Visualizer

from ..registry import VISUALIZERS
from ..structures import segment_iou
from .score_curve import draw_score_curve

ArrayLike = Union[np.ndarray, torch.Tensor, Sequence[float]]

#: Heights (in score units) of the GT / prediction bars drawn above the curve.
_BAR_Y = {'Prediction': 1.18, 'GT': 1.32}
_BAR_HEIGHT = 0.09


def _numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def grounding_result(data_sample: BaseDataElement,
                     frame_scores: Optional[ArrayLike] = None) -> Dict[str, Any]:
    """The result dict of :func:`~dscnet_plugin.visualization.draw_score_curve`
    for one evaluated sample.

    Args:
        data_sample: A :class:`~dscnet_plugin.structures.GroundingDataSample`
            with metainfo ``query`` and ``duration`` (seconds; without it
            times are fractions of the video) and, when predicted,
            ``pred_moments`` (``K x 2``, seconds) and ``pred_scores``
            (``(K,)``).
        frame_scores: ``(T,)`` scores of the real frames; ``None``: the
            sample's ``frame_scores`` field (set by
            :class:`~dscnet_plugin.apis.GroundingInferencer`).

    Returns:
        ``dict(query, unit, duration, segments, scores, frame_scores)``.

    Raises:
        ValueError: no frame scores given or in the sample.
    """
    if frame_scores is None:
        frame_scores = data_sample.get('frame_scores')
    if frame_scores is None:
        raise ValueError('no frame scores: pass frame_scores= (the model\'s '
                         '`frame_scores` of the real frames) or set data_sample.frame_scores')
    duration = data_sample.metainfo.get('duration')
    segments = data_sample.get('pred_moments')
    scores = data_sample.get('pred_scores')
    return dict(query=str(data_sample.metainfo.get('query', '')),
                unit='seconds' if duration is not None else 'normalized',
                duration=None if duration is None else float(duration),
                segments=[] if segments is None else _numpy(segments).reshape(-1, 2).tolist(),
                scores=[] if scores is None else _numpy(scores).reshape(-1).tolist(),
                frame_scores=_numpy(frame_scores).reshape(-1).tolist())


def _bar(ax: Any, label: str, start: float, end: float, color: str) -> None:
    """A horizontal bar ``[start, end]`` in the row ``label`` above the curve."""
    y = _BAR_Y[label]
    ax.broken_barh([(start, end - start)], (y - _BAR_HEIGHT / 2, _BAR_HEIGHT),
                   facecolors=color, edgecolor='black', linewidth=0.6, zorder=4)


def draw_grounding(ax: Any, result: Dict[str, Any],
                   gt_moment: Optional[ArrayLike] = None, draw_pred: bool = True) -> None:
    """Figure 4 of the paper in a matplotlib ``ax``: the frame-score curve,
    the top predicted segment (shaded, and as a "Prediction" bar) and the
    ground truth (dashed boundaries, and as a "GT" bar), with their IoU.

    Args:
        ax: A matplotlib ``Axes``.
        result: See :func:`grounding_result`.
        gt_moment: ``(2,)`` ground-truth (start, end), in the result's unit.
        draw_pred: Draw the top predicted segment.
    """
    if not draw_pred:
        result = dict(result, segments=[], scores=[])
    draw_score_curve(ax, result)
    title = ax.get_title()
    pred = result['segments'][0] if result['segments'] else None
    unit = ' s' if result.get('unit') == 'seconds' else ''
    if pred is not None:
        _bar(ax, 'Prediction', pred[0], pred[1], 'tab:orange')
    if gt_moment is not None:
        gs, ge = (float(v) for v in _numpy(gt_moment).reshape(2))
        for x in (gs, ge):
            ax.axvline(x, color='tab:green', linestyle='--', linewidth=1.2, zorder=3)
        ax.plot([], [], color='tab:green', linestyle='--',
                label=f'GT [{gs:.2f}, {ge:.2f}]{unit}')
        _bar(ax, 'GT', gs, ge, 'tab:green')
        if pred is not None:
            iou = float(segment_iou(np.asarray(pred), np.asarray([gs, ge])))
            title = f'{title}   (IoU {iou:.2f})'
    ax.axhline(1.09, color='0.6', linewidth=0.6)                      # curve | bars
    ax.set_ylim(0.0, max(_BAR_Y.values()) + _BAR_HEIGHT)
    # the score axis, then the rows of the bars, named like the paper's
    ticks = [0.0, 0.25, 0.5, 0.75, 1.0]
    ax.set_yticks(ticks + list(_BAR_Y.values()),
                  [f'{t:.2f}' for t in ticks] + list(_BAR_Y))
    ax.yaxis.set_label_coords(-0.07, 0.4)
    ax.set_title(title, fontsize=10)
    ax.legend(loc='upper left', bbox_to_anchor=(1.01, 1.0), fontsize=8, framealpha=0.8)


def figure_to_rgb(fig: Any) -> np.ndarray:
    """``H x W x 3`` uint8 RGB pixels of a figure on an Agg canvas."""
    canvas = fig.canvas
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def render_grounding(data_sample: BaseDataElement, frame_scores: Optional[ArrayLike] = None,
                     draw_gt: bool = True, draw_pred: bool = True,
                     figsize: Sequence[float] = (9.0, 3.0), dpi: int = 100) -> np.ndarray:
    """Render one sample as in Figure 4 (see :func:`draw_grounding`).

    Args:
        data_sample: See :func:`grounding_result`; ``gt_moment`` (``(2,)``,
            seconds) is drawn when present and ``draw_gt``.
        frame_scores: ``(T,)`` frame scores of the real frames (see
            :func:`grounding_result`).
        draw_gt: Draw the ground truth.
        draw_pred: Draw the top predicted segment.
        figsize: Figure size, inches.
        dpi: Resolution.

    Returns:
        ``H x W x 3`` uint8 RGB image.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    result = grounding_result(data_sample, frame_scores)
    gt = data_sample.get('gt_moment') if draw_gt else None
    if gt is not None and result['unit'] != 'seconds':
        gt = None  # a moment in seconds cannot be placed on a 0..1 axis
    fig = Figure(figsize=tuple(figsize), dpi=dpi, layout='constrained')
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    draw_grounding(ax, result, gt, draw_pred=draw_pred)
    video = data_sample.metainfo.get('video_id')
    if video is not None:
        fig.suptitle(f'video {video}', fontsize=9, x=0.01, ha='left')
    return figure_to_rgb(fig)


@VISUALIZERS.register_module()
class GroundingVisualizer(Visualizer):
    """Draws grounding results (Figure 4 of the paper) and sends them to the
    visualisation backends.

    :meth:`add_datasample` renders one sample's per-frame score curve over
    time (seconds), its top predicted segment and its ground truth into an
    RGB image and hands it to every backend with ``add_image``:
    ``LocalVisBackend`` writes ``<work_dir>/<timestamp>/vis_data/vis_image/
    <name>_<step>.png``, ``TensorBoardVisBackend`` an image summary. Used by
    :class:`~dscnet_plugin.engine.GroundingVisualizationHook` during
    validation / test and by ``tools/visualize.py``.

    Args:
        name: Instance name.
        vis_backends: Backend configs (or built backends).
        save_dir: Root of the backends' files (``<save_dir>/vis_data``).
        figsize: Size of one rendered figure, inches.
        dpi: Resolution of the rendered figure.
        **kwargs: Forwarded to :class:`mmengine.visualization.Visualizer`.
    """

    def __init__(self, name: str = 'visualizer', vis_backends: Optional[Any] = None,
                 save_dir: Optional[str] = None, figsize: Sequence[float] = (9.0, 3.0),
                 dpi: int = 100, **kwargs) -> None:
        super().__init__(name=name, vis_backends=vis_backends, save_dir=save_dir, **kwargs)
        self.figsize = tuple(figsize)
        self.render_dpi = dpi

    def draw_sample(self, data_sample: BaseDataElement,
                    frame_scores: Optional[ArrayLike] = None, draw_gt: bool = True,
                    draw_pred: bool = True) -> np.ndarray:
        """Render one sample with this visualizer's size (see
        :func:`render_grounding`)."""
        return render_grounding(data_sample, frame_scores, draw_gt, draw_pred,
                                figsize=self.figsize, dpi=self.render_dpi)

    def add_datasample(self, name: str, image: Optional[np.ndarray] = None,
                       data_sample: Optional[BaseDataElement] = None, draw_gt: bool = True,
                       draw_pred: bool = True, show: bool = False, wait_time: float = 0,
                       step: int = 0, frame_scores: Optional[ArrayLike] = None,
                       out_file: Optional[str] = None) -> np.ndarray:
        """Render ``data_sample`` (see :meth:`draw_sample`) and record it.

        Args:
            name: Image identifier (the backends' file / tag name).
            image: Unused: a grounding result has no image to draw on.
            data_sample: The sample to draw.
            draw_gt: Draw the ground truth.
            draw_pred: Draw the top predicted segment.
            show: Also show the image in a window.
            wait_time: Seconds the window stays open.
            step: Global step of the record.
            frame_scores: ``(T,)`` scores of the real frames.
            out_file: Write the image to this PNG instead of sending it to
                the backends.

        Returns:
            The ``H x W x 3`` uint8 RGB image.
        """
        if data_sample is None:
            raise ValueError('add_datasample needs a data_sample')
        drawn = self.draw_sample(data_sample, frame_scores, draw_gt, draw_pred)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            from matplotlib.image import imsave
            os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
            imsave(out_file, drawn)
        else:
            self.add_image(name, drawn, step)
        return drawn
