"""t-SNE of query necks coloured by chosen words (the paper's Figure 5)."""
import os
import os.path as osp
import re
from typing import Any, Dict, Mapping, Optional, Sequence, Set, Union

import numpy as np
import torch

from ..datasets.synthetic.vocabulary import VERBS

#: Groups of the paper's Figure 5 (Charades-STA): actions, then objects.
PAPER_VERBS = ('drink', 'eat', 'run', 'walk')
PAPER_OBJECTS = ('cup', 'glass', 'window', 'door')

#: Irregular forms of common action verbs (the regular ones are derived).
_IRREGULAR = {
    'drink': ('drank', 'drunk'), 'eat': ('ate', 'eaten'), 'run': ('ran',),
    'sit': ('sat',), 'stand': ('stood',), 'take': ('took', 'taken'),
    'throw': ('threw', 'thrown'), 'hold': ('held',), 'put': ('put',),
    'get': ('got', 'gotten'), 'go': ('went', 'gone'), 'make': ('made',),
    'leave': ('left',), 'read': ('read',), 'sleep': ('slept',),
}
_VOWELS = set('aeiou')
_TOKEN = re.compile(r"[a-z0-9']+")


def word_forms(word: str) -> Set[str]:
    """``word`` with its plural / verb inflections.

    The demo's verbs take their forms from the synthetic vocabulary; other
    words get the regular ``-s``, ``-es``, ``-ed``, ``-ing`` forms (with a
    doubled final consonant or a dropped final ``e`` where English does) and
    a few irregular pasts (``drank``, ``ate``, ``ran``...). Over-generated
    forms that are no English words are harmless: they match nothing.

    Args:
        word: A lower-case word.

    Returns:
        The set of forms, ``word`` included.
    """
    w = word.lower().strip()
    for forms in VERBS:
        if w == forms[0]:
            return set(forms)
    forms = {w, w + 's', w + 'es', w + 'ed', w + 'ing'}
    if w.endswith('e'):
        forms |= {w + 'd', w[:-1] + 'ing'}
    if w.endswith('y') and len(w) > 1 and w[-2] not in _VOWELS:
        forms |= {w[:-1] + 'ies', w[:-1] + 'ied'}
    if (len(w) >= 3 and w[-1] not in _VOWELS | {'w', 'x', 'y'} and w[-2] in _VOWELS
            and w[-3] not in _VOWELS):
        forms |= {w + w[-1] + 'ing', w + w[-1] + 'ed'}
    forms |= set(_IRREGULAR.get(w, ()))
    return forms


def _groups(groups: Union[Sequence[str], Mapping[str, Sequence[str]]]) -> Dict[str, Set[str]]:
    """``{label: set of word forms}``."""
    if isinstance(groups, str):
        groups = [groups]
    if isinstance(groups, Mapping):
        items = [(str(k), [v] if isinstance(v, str) else list(v)) for k, v in groups.items()]
    else:
        items = [(str(w), [w]) for w in groups]
    if not items:
        raise ValueError('no word group given')
    return {label: set().union(*(word_forms(w) for w in words)) for label, words in items}


def match_groups(sentences: Sequence[str],
                 groups: Union[Sequence[str], Mapping[str, Sequence[str]]]) -> np.ndarray:
    """Which group's words each sentence contains.

    Args:
        sentences: ``M`` sentences.
        groups: Words (each its own group), or ``{label: [words]}``; every
            word stands for its forms (:func:`word_forms`).

    Returns:
        ``(M,)`` int array: the group's position, ``-1`` for a sentence
        with none of the words, ``-2`` for one with words of several groups.
    """
    sets = list(_groups(groups).values())
    out = np.full(len(sentences), -1, dtype=np.int64)
    for i, sentence in enumerate(sentences):
        tokens = set(_TOKEN.findall(sentence.lower()))
        hits = [g for g, forms in enumerate(sets) if tokens & forms]
        if len(hits) == 1:
            out[i] = hits[0]
        elif hits:
            out[i] = -2
    return out


def plot_neck_tsne(necks: Union[np.ndarray, torch.Tensor], sentences: Sequence[str],
                   groups: Union[Sequence[str], Mapping[str, Sequence[str]]],
                   out_file: Optional[str] = None, max_others: int = 1000,
                   perplexity: float = 30.0, metric: str = 'euclidean',
                   random_state: int = 0, title: Optional[str] = None,
                   dpi: int = 100) -> Any:
    """One t-SNE panel per neck, queries coloured by the chosen word they
    contain (Figure 5 of the paper).

    Each neck's embeddings are projected on their own (scikit-learn
    ``TSNE``, PCA initialisation, fixed ``random_state``). Sentences with
    words of several groups are left out; up to ``max_others`` sentences
    with none of the words (a fixed random subset) are drawn in light grey
    as context.

    Args:
        necks: ``M x N_e x d_e`` neck embeddings of ``M`` queries.
        sentences: The ``M`` query sentences.
        groups: Words, or ``{label: [words]}`` (see :func:`match_groups`).
        out_file: Write the figure here (e.g. ``.png``); folders are created.
        max_others: Most context points; 0 draws the chosen ones only.
        perplexity: t-SNE perplexity (lowered for small sets).
        metric: t-SNE metric (``'cosine'`` for spherical clusterers).
        random_state: Seed of t-SNE and of the context subset.
        title: Figure title.
        dpi: Resolution.

    Returns:
        The ``matplotlib.figure.Figure``.

    Raises:
        ValueError: shapes disagree, or fewer than 2 sentences hold one of
            the words.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from sklearn.manifold import TSNE

    if isinstance(necks, torch.Tensor):
        necks = necks.detach().cpu().numpy()
    necks = np.asarray(necks, dtype=np.float64)
    if necks.ndim != 3 or necks.shape[0] != len(sentences):
        raise ValueError(f'necks must be M x N_e x d_e with M = {len(sentences)} sentences, '
                         f'got shape {necks.shape}')
    named = _groups(groups)
    labels = list(named)
    member = match_groups(sentences, named)
    chosen = np.flatnonzero(member >= 0)
    if len(chosen) < 2:
        raise ValueError(f'only {len(chosen)} of {len(sentences)} sentences hold one of '
                         f'{labels}: nothing to project')
    others = np.flatnonzero(member == -1)
    rng = np.random.default_rng(random_state)
    if len(others) > max_others:
        others = np.sort(rng.choice(others, size=max_others, replace=False))
    keep = np.concatenate([others, chosen])
    num_necks = necks.shape[1]
    cols = min(num_necks, 4)
    rows = -(-num_necks // cols)
    fig = Figure(figsize=(3.6 * cols + 1.6, 3.4 * rows + 0.5), dpi=dpi, layout='constrained')
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False).reshape(-1)
    colors = [f'C{i}' for i in range(10)]
    for n, ax in enumerate(axes):
        if n >= num_necks:
            ax.set_visible(False)
            continue
        tsne = TSNE(n_components=2, perplexity=min(perplexity, (len(keep) - 1) / 3.0),
                    init='pca', metric=metric, random_state=random_state)
        xy = tsne.fit_transform(necks[keep, n])
        if len(others):
            ax.scatter(xy[:len(others), 0], xy[:len(others), 1], s=6, c='0.82',
                       linewidths=0, label=f'other queries (n={len(others)})', zorder=1)
        chosen_xy = xy[len(others):]
        for g, label in enumerate(labels):
            pts = chosen_xy[member[chosen] == g]
            ax.scatter(pts[:, 0], pts[:, 1], s=16, color=colors[g % 10], edgecolors='black',
                       linewidths=0.3, label=f'{label} (n={len(pts)})', zorder=2)
        ax.set_title(f'neck {n + 1}', fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel('t-SNE 1', fontsize=8)
        ax.set_ylabel('t-SNE 2', fontsize=8)
    legend = axes[0].get_legend_handles_labels()
    fig.legend(*legend, loc='outside right center', fontsize=9, markerscale=1.5,
               title='query contains', title_fontsize=9)
    several = int((member == -2).sum())
    note = f'; {several} queries with words of several groups left out' if several else ''
    fig.suptitle((title or 't-SNE of the query necks') + f'  ({len(sentences)} queries{note})',
                 fontsize=11)
    if out_file is not None:
        os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
        fig.savefig(out_file, dpi=dpi)
    return fig
