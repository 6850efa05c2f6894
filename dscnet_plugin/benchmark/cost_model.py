"""The planning cost model: rough wall time of each run on the 2-core
benchmark machine (orders the child processes, longest first, and gives
``--list`` its estimates)."""
from dataclasses import dataclass
from typing import List

from .plan import Plan, Run, all_runs
from .specs import DATASETS_SPECS


@dataclass(frozen=True)
class CostModel:
    """Seconds per unit of work of one run with one torch thread, measured
    on the 2-core benchmark machine (AMD EPYC) at the paper's model widths,
    T = ``frames``, D = 500 (for planning only: see :func:`estimate_seconds`).

    Attributes:
        frames: ``T`` the costs were measured at.
        video: One training video through one video-module epoch.
        relabel: One training video relabelled for one neck (N_c cuts).
        language: One training query through one language epoch.
        test: One evaluation query, one pass.
        fixed: Start-up, clustering, initial labels, checkpoint.
        videos: Training videos of the full split.
        train_queries: Training queries per video.
        test_queries: Evaluation queries per video, per split.
        necks: ``N_e`` of the dataset config.
        iterations: ``L`` of the dataset config.
        language_epochs: Language epochs of the dataset config.
    """

    frames: int
    video: float
    relabel: float
    language: float
    test: float
    fixed: float
    videos: int
    train_queries: float
    test_queries: float
    necks: int
    iterations: int = 5
    language_epochs: int = 10


#: Measured on this repository's 2-core machine, one run per core (see the report).
COSTS = {
    'charades': CostModel(frames=128, video=0.047, relabel=0.030, language=0.005, test=0.017,
                          fixed=40, videos=5338, train_queries=2.32, test_queries=2.79,
                          necks=4),
    'activitynet': CostModel(frames=256, video=0.083, relabel=0.118, language=0.0074,
                             test=0.05, fixed=60, videos=10009, train_queries=3.74,
                             test_queries=3.5, necks=8),
}


def estimate_seconds(run: Run) -> float:
    """Rough wall time of ``run`` on the benchmark machine (one thread;
    relabelling scaled by ``T^2``, the rest by ``T``; smaller widths ignored;
    a run with nothing to train costs its start-up and evaluations)."""
    c, scale = COSTS[run.dataset], run.scale
    videos = scale.train_videos or c.videos
    necks = dict(run.cfg_options).get('model.text_encoder.num_necks', c.necks)
    iterations = run.iterations or scale.iterations or c.iterations
    t = (scale.num_frames or c.frames) / c.frames
    splits = len(DATASETS_SPECS[run.dataset].splits)
    test_videos = scale.test_videos or {'charades': 1334, 'activitynet': 4885}[run.dataset]
    evaluations = (iterations if run.eval_each_iteration else 1) * splits
    passes = evaluations + (2 * splits if run.other_video_queries else 0)  # + true curves
    testing = test_videos * c.test_queries * c.test * t * passes
    if not run.trains:
        return c.fixed + testing
    return (c.fixed + videos * necks * iterations * (c.video * t + c.relabel * t * t)
            + videos * c.train_queries * c.language * (scale.language_epochs or c.language_epochs)
            + testing)


def list_runs(plan: Plan, jobs: int) -> List[str]:
    """One line per distinct run of the plan, with its estimated time,
    and the estimated total."""
    runs = all_runs(plan)
    lines = [f'{estimate_seconds(r) / 60:6.1f} min  {r.key}  {r.config} {dict(r.cfg_options)} '
             + (f'L={r.iterations or r.scale.iterations or "config"}' if r.trains
                else 'evaluation only') for r in runs]
    total = sum(estimate_seconds(r) for r in runs)
    lines.append(f'{total / 60:6.1f} min of runs in all; about {total / 60 / max(1, jobs):.0f} '
                 f'min with {jobs} at a time, plus the speed section (rough estimates)')
    return lines
