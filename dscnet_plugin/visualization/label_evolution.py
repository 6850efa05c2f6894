"""Pseudo labels of one video across the iterations of Algorithm 1."""
import os
import os.path as osp
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]

#: Colours of background (0) and foreground (1) labels.
_BG, _FG = '#f4f4f4', '#1f5fa8'


def _panels(history: Union[ArrayLike, Sequence[ArrayLike]]) -> List[np.ndarray]:
    """A list of ``S_n x N_c x T`` bool arrays, one per panel."""
    if isinstance(history, (np.ndarray, torch.Tensor)):
        arr = history.detach().cpu().numpy() if isinstance(history, torch.Tensor) else history
        if arr.ndim == 3:
            return [arr.astype(bool)]
        if arr.ndim == 4:  # S x N_e x N_c x T: one panel per neck
            return [arr[:, n].astype(bool) for n in range(arr.shape[1])]
        raise ValueError(f'history must be S x N_c x T or S x N_e x N_c x T, got shape '
                         f'{arr.shape}')
    panels = [np.asarray(h.detach().cpu().numpy() if isinstance(h, torch.Tensor) else h)
              for h in history]
    if not panels or any(p.ndim != 3 for p in panels):
        raise ValueError('history must be a non-empty list of S_n x N_c x T arrays')
    return [p.astype(bool) for p in panels]


def _edges(times: Optional[Union[float, Sequence[float]]], num_frames: int
           ) -> Tuple[np.ndarray, str]:
    """Frame edges (``T + 1``) and the x-axis label."""
    if times is None:
        return np.arange(num_frames + 1, dtype=np.float64), 'frame'
    if np.ndim(times) == 0:
        return np.linspace(0.0, float(times), num_frames + 1), 'time (s)'
    edges = np.asarray(times, dtype=np.float64)
    if edges.shape != (num_frames + 1,):
        raise ValueError(f'times must be a duration or {num_frames + 1} frame edges in '
                         f'seconds, got {edges.shape[0]} values')
    return edges, 'time (s)'


def plot_label_evolution(history: Union[ArrayLike, Sequence[ArrayLike]],
                         times: Optional[Union[float, Sequence[float]]] = None,
                         gt_segments: Optional[Sequence[Sequence[float]]] = None,
                         out_file: Optional[str] = None,
                         row_labels: Optional[Sequence[Any]] = None,
                         panel_titles: Optional[Sequence[str]] = None,
                         title: Optional[str] = None, dpi: int = 100) -> Any:
    """Pseudo labels of one video, one row block per iteration.

    Each panel is an image whose columns are the ``T`` frames (in seconds
    when ``times`` is given) and whose rows are the labels of the ``N_c``
    centres, grouped in one block per recorded iteration (first on top);
    foreground frames are dark. Right of each block: its foreground share
    and the share of labels changed since the block above. Ground-truth
    segments (e.g. the annotated moments of a training video, which the
    model never saw) are drawn as a green strip on top and dashed lines.

    Args:
        history: ``S x N_c x T`` bool labels (one panel), ``S x N_e x N_c x
            T`` (one panel per neck), or a list of ``S_n x N_c x T`` arrays
            (one panel each, e.g. the records of each neck).
        times: Video duration in seconds, or ``T + 1`` frame edges in
            seconds; ``None``: frame indices.
        gt_segments: ``(start, end)`` segments in the unit of ``times``.
        out_file: Write the figure here (e.g. ``.png``); folders are created.
        row_labels: Names of the ``S`` blocks (for a list ``history``: one
            list of names per panel); default ``iteration 0, 1...``.
        panel_titles: Title of each panel; default ``neck 1, 2...`` for
            several panels.
        title: Figure title.
        dpi: Resolution.

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    panels = _panels(history)
    num_clusters, num_frames = panels[0].shape[1:]
    if any(p.shape[1:] != (num_clusters, num_frames) for p in panels):
        raise ValueError('every panel must have the same N_c x T')
    edges, xlabel = _edges(times, num_frames)
    if row_labels is not None and not isinstance(history, (np.ndarray, torch.Tensor)):
        names = [list(r) for r in row_labels]
    else:
        names = [list(row_labels) if row_labels is not None
                 else [f'iteration {s}' for s in range(len(p))] for p in panels]
    if len(names) != len(panels) or any(len(n) != len(p) for n, p in zip(names, panels)):
        raise ValueError('row_labels must name every recorded block of every panel')
    if panel_titles is None:
        panel_titles = [f'neck {n + 1}' for n in range(len(panels))] if len(panels) > 1 \
            else ['']
    gt = [tuple(map(float, seg)) for seg in (gt_segments or [])]
    heights = [len(p) * num_clusters + (2 if gt else 0) for p in panels]
    fig = Figure(figsize=(10.0, 0.9 * len(panels) + 0.055 * sum(heights) + 0.9), dpi=dpi,
                 layout='constrained')
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(panels), 1, squeeze=False, sharex=True,
                        gridspec_kw=dict(height_ratios=heights))[:, 0]
    cmap = ListedColormap([_BG, _FG])
    for ax, panel, blocks, name in zip(axes, panels, names, panel_titles):
        rows = panel.reshape(-1, num_frames).astype(np.float64)      # (S * N_c) x T
        ax.pcolormesh(edges, np.arange(rows.shape[0] + 1), rows, cmap=cmap, vmin=0, vmax=1)
        for s in range(1, len(panel)):
            ax.axhline(s * num_clusters, color='black', linewidth=1.2)
        ax.set_yticks([(s + 0.5) * num_clusters for s in range(len(panel))])
        ax.set_yticklabels([str(b) for b in blocks], fontsize=8)
        for s in range(len(panel)):
            text = f'fg {panel[s].mean():.0%}'
            if s:
                text += f', {(panel[s] != panel[s - 1]).mean():.0%} changed'
            ax.text(1.005, (s + 0.5) * num_clusters, text, transform=ax.get_yaxis_transform(),
                    fontsize=7, va='center', ha='left')
        top = -2.0 if gt else 0.0
        for start, end in gt:
            ax.broken_barh([(start, end - start)], (-1.7, 1.4), facecolors='tab:green',
                           edgecolor='black', linewidth=0.5)
            for x in (start, end):
                ax.axvline(x, color='tab:green', linestyle='--', linewidth=1.0)
        if gt:
            ax.text(edges[0] - 0.005 * (edges[-1] - edges[0]), -1.0, 'GT', ha='right',
                    va='center', fontsize=8, color='tab:green', fontweight='bold')
        ax.set_ylim(rows.shape[0], top)                               # first block on top
        ax.set_xlim(edges[0], edges[-1])
        ax.set_ylabel(f'{num_clusters} centres / block', fontsize=8)
        if name:
            ax.set_title(name, fontsize=10, loc='left')
    axes[-1].set_xlabel(xlabel)
    legend = [Patch(facecolor=_FG, edgecolor='black', label='foreground (1)'),
              Patch(facecolor=_BG, edgecolor='black', label='background (0)')]
    if gt:
        legend.append(Patch(facecolor='tab:green', edgecolor='black',
                            label='ground truth (not seen in training)'))
    fig.legend(handles=legend, loc='outside lower center', ncols=len(legend), fontsize=8)
    fig.suptitle(title or 'Pseudo labels across iterations', fontsize=11)
    if out_file is not None:
        os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
        fig.savefig(out_file, dpi=dpi)
    return fig
