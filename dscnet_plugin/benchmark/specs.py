"""What the benchmark compares: the methods (one model-spec list), the
datasets and the scale of a run."""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

#: How a method gets its numbers.
KINDS = ('trained', 'tested', 'prior')
#: What a method reads: the simulated features (every plan runs it) or
#: video frames (the vision-language route; not on simulated features).
INPUTS = ('features', 'frames')


@dataclass(frozen=True)
class ModelSpec:
    """One method row of the accuracy table.

    Attributes:
        name: Row name; for a ``'prior'`` the registered model type that
            ``PriorComparisonHook`` builds.
        config: Config path relative to the repository root; ``{dataset}``
            is replaced by :attr:`DatasetSpec.name` (``charades``), and
            ``{dataset_file}`` by :attr:`DatasetSpec.file_tag`
            (``charades-sta``).
        cfg_options: ``--cfg-options`` style overrides (dotted keys).
        kind: ``'trained'`` (the Runner trains, validates, tests),
            ``'tested'`` (nothing to train: the Runner only evaluates, e.g.
            ``BoundaryFrequencyPrior``, which reads the features) or
            ``'prior'`` (no video: fitted on the training annotation and
            evaluated once; one row for every knob).
        inputs: ``'features'`` or ``'frames'`` (see :data:`INPUTS`).
    """

    name: str
    config: str
    cfg_options: Mapping[str, Any] = field(default_factory=dict)
    kind: str = 'trained'
    inputs: str = 'features'

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f'ModelSpec {self.name!r}: kind {self.kind!r} is not one of {KINDS}')
        if self.inputs not in INPUTS:
            raise ValueError(f'ModelSpec {self.name!r}: inputs {self.inputs!r} is not one of '
                             f'{INPUTS}')

    def config_of(self, dataset: str) -> str:
        """:attr:`config` for ``dataset`` (a key of :data:`DATASETS_SPECS`)."""
        spec = DATASETS_SPECS[dataset]
        return self.config.format(dataset=spec.name, dataset_file=spec.file_tag)


#: Every method of the accuracy table, in display order. Add a row with one
#: line, e.g. ``ModelSpec('DSCNet + linker', 'configs/benchmarks/linker_{dataset}.py')``;
#: the features, data subset and schedule of the plan are applied to it.
MODELS: List[ModelSpec] = [
    ModelSpec('DSCNet', 'configs/dscnet_{dataset}.py'),
    ModelSpec('DSCNet (centre labels)', 'configs/dscnet_{dataset}_centre_labels.py'),
    ModelSpec('DSCNet (transport link)', 'configs/dscnet_{dataset}_transport.py'),
    ModelSpec('DSCNet (transport, proposals)',
              'configs/dscnet_{dataset}_transport_proposals.py'),
    ModelSpec('DSCNet (transport, proposals, centred L_sab)',
              'configs/dscnet_{dataset}_transport_sab.py'),
    ModelSpec('DSCNet (transport, proposals, centred L_sab, spread)',
              'configs/dscnet_{dataset}_transport_spread.py'),
    ModelSpec('DSCNet (transport, proposals, centred L_sab, pre-norm)',
              'configs/dscnet_{dataset}_transport_prenorm.py'),
    ModelSpec('DSCNet (transport, proposals, centred L_sab, pre-norm, link check)',
              'configs/dscnet_{dataset}_transport_gated.py'),
    ModelSpec('BoundaryFrequencyPrior', 'configs/baselines/boundaryprior_{dataset_file}.py',
              kind='tested'),
    ModelSpec('FrequencyPrior', 'configs/baselines/freqprior_{dataset_file}.py', kind='prior'),
    ModelSpec('MeanMomentPrior', 'configs/baselines/meanprior_{dataset_file}.py', kind='prior'),
    ModelSpec('PredictAllPrior', 'configs/baselines/predictall_{dataset_file}.py',
              kind='prior'),
    ModelSpec('RandomPrior', 'configs/baselines/random_{dataset_file}.py', kind='prior'),
    ModelSpec('DSCNet-VLM', 'configs/dscnet_vlm_{dataset_file}.py', inputs='frames'),
    ModelSpec('zero-shot VLM', 'configs/zeroshot_vlm_{dataset_file}.py', kind='tested',
              inputs='frames'),
]


def run_models(models: List[ModelSpec]) -> List[ModelSpec]:
    """The methods that train or test on the simulated features."""
    return [m for m in models if m.inputs == 'features' and m.kind != 'prior']


def prior_names(models: List[ModelSpec]) -> Tuple[str, ...]:
    """The no-video priors (evaluated once per dataset and split)."""
    return tuple(m.name for m in models if m.kind == 'prior' and m.inputs == 'features')


def frame_models(models: List[ModelSpec]) -> List[ModelSpec]:
    """The methods that need video frames (listed in the report, not run)."""
    return [m for m in models if m.inputs == 'frames']


@dataclass(frozen=True)
class DatasetSpec:
    """A benchmark dataset.

    Attributes:
        name: ``charades`` or ``activitynet`` (the ``{dataset}`` of
            :attr:`ModelSpec.config`).
        title: Display name.
        file_tag: The ``{dataset_file}`` of :attr:`ModelSpec.config`.
        prior_config: A baseline config (annotations, evaluator).
        splits: Evaluated splits: the validation split of the training run
            first, then (if any) the test split run after training.
        feature_dim: ``D`` of the simulated features.
    """

    name: str
    title: str
    file_tag: str
    prior_config: str
    splits: Tuple[str, ...]
    feature_dim: int = 500


DATASETS_SPECS: Dict[str, DatasetSpec] = {
    'charades': DatasetSpec('charades', 'Charades-STA', 'charades-sta',
                            'configs/baselines/freqprior_charades-sta.py', ('test',)),
    'activitynet': DatasetSpec('activitynet', 'ActivityNet Captions', 'activitynet',
                               'configs/baselines/freqprior_activitynet.py',
                               ('val_1', 'val_2')),
}
#: Annotation key of each split in the dataset configs.
SPLIT_ANNOTATION = {'test': 'test_annotation', 'val_1': 'val_annotation',
                    'val_2': 'test_annotation'}


@dataclass(frozen=True)
class Scale:
    """How much data a run reads, how long it trains, and (quick runs) how
    small the model is.

    Attributes:
        train_videos: Training videos (``None``: all).
        test_videos: Videos of each evaluated split (``None``: all).
        language_epochs: Epochs of the language module (``None``: the config's).
        iterations: ``L`` (``None``: the config's).
        num_frames: ``T`` of the resampled features and the label bank
            (``None``: the config's, 128 / 256).
        cfg_options: Further overrides (smaller widths), as ``(key, value)`` pairs.
    """

    train_videos: Optional[int] = None
    test_videos: Optional[int] = None
    language_epochs: Optional[int] = None
    iterations: Optional[int] = None
    num_frames: Optional[int] = None
    cfg_options: Tuple[Tuple[str, Any], ...] = ()

    @property
    def data_tag(self) -> str:
        """Name of the data subset (``all`` for the full splits)."""
        if self.train_videos is None and self.test_videos is None:
            return 'all'
        return f'tr{self.train_videos or "all"}_te{self.test_videos or "all"}'

    def describe(self) -> str:
        """Human-readable summary (for the report)."""
        videos = ('all training videos' if self.train_videos is None
                  else f'{self.train_videos} training videos')
        tests = ('all evaluation queries' if self.test_videos is None
                 else f'the queries of {self.test_videos} evaluation videos per split')
        changes = []
        if self.language_epochs is not None:
            changes.append(f'{self.language_epochs} language epochs')
        if self.iterations is not None:
            changes.append(f'L = {self.iterations}')
        if self.num_frames is not None:
            changes.append(f'T = {self.num_frames}')
        changes += [f'{k} = {v}' for k, v in self.cfg_options]
        return ', '.join([videos, tests] + (changes or ['paper schedule and model']))
