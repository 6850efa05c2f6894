"""Plot per-frame grounding scores with the top segment shaded."""
import os
import os.path as osp
from typing import Any, Mapping, Optional, Sequence, Union


def draw_score_curve(ax: Any, result: Mapping[str, Any]) -> None:
    """Draw one query's frame-score curve into a matplotlib ``ax``.

    Args:
        ax: A matplotlib ``Axes``.
        result: One result of
            :class:`~dscnet_plugin.apis.GroundingInferencer`: ``frame_scores``
            (``(T,)``, frame ``k`` covering ``[k, k + 1] / T`` of the video),
            ``segments`` (``K x 2``, best first), ``scores`` (``(K,)``),
            ``unit`` (``'seconds'`` with ``duration``, or ``'normalized'``)
            and ``query``.
    """
    import numpy as np
    scores = np.asarray(result['frame_scores'], dtype=np.float64)
    seconds = result.get('unit') == 'seconds'
    span = float(result['duration']) if seconds else 1.0
    edges = np.linspace(0.0, span, len(scores) + 1)
    ax.stairs(scores, edges, fill=True, alpha=0.2, color='tab:blue', zorder=1)
    ax.stairs(scores, edges, color='tab:blue', linewidth=1.5, label='frame score', zorder=3)
    segments, seg_scores = result.get('segments') or [], result.get('scores') or []
    if segments:
        start, end = segments[0]
        unit = ' s' if seconds else ''
        label = f'top-1 [{start:.2f}, {end:.2f}]{unit}'
        if seg_scores:
            label += f', score {seg_scores[0]:.2f}'
        ax.axvspan(start, end, color='tab:orange', alpha=0.3, label=label, zorder=2)
    ax.set_xlim(0.0, span)
    ax.set_ylim(0.0, max(1.05, float(scores.max(initial=0.0)) * 1.05))
    ax.set_ylabel('score')
    ax.set_xlabel('time (s)' if seconds else 'time (fraction of the video)')
    ax.set_title(str(result.get('query', '')), fontsize=10)
    ax.legend(loc='best', fontsize=8, framealpha=0.8)


def plot_score_curves(results: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]],
                      out_file: Optional[str] = None, dpi: int = 100) -> Any:
    """One panel per query: its frame-score curve, top segment shaded.

    Drawn on matplotlib's Agg canvas (no display, no ``pyplot`` state), so
    it runs on headless machines and in worker processes.

    Args:
        results: One result dict, or a list of them, as returned by
            :class:`~dscnet_plugin.apis.GroundingInferencer` (see
            :func:`draw_score_curve`).
        out_file: Write the figure here (format from the suffix, e.g.
            ``.png``); folders are created.
        dpi: Resolution of the written file.

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    items = [results] if isinstance(results, Mapping) else list(results)
    if not items:
        raise ValueError('no result to plot')
    fig = Figure(figsize=(8.0, 2.4 * len(items)), dpi=dpi, layout='constrained')
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(items), 1, squeeze=False)[:, 0]
    for ax, result in zip(axes, items):
        draw_score_curve(ax, result)
    if out_file is not None:
        folder = osp.dirname(osp.abspath(out_file))
        os.makedirs(folder, exist_ok=True)
        fig.savefig(out_file, dpi=dpi)
    return fig
