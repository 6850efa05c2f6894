"""Ground sentences in one video's features: the user-facing inference API."""
import copy
import logging
import math
import numbers
import os
import os.path as osp
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose
from mmengine.infer import BaseInferencer
from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint

from ..datasets.features import ArrayDirFeatures, VideoFeatures, check_feature
from ..datasets.text import tokenize
from ..registry import INFERENCERS, SCOPE, TRANSFORMS
from ..structures import GroundingDataSample
from ..utils import build_pinned
from .load_weights import has_weights
from .model_init import init_model
from .pipeline_lookup import find_transform as _find_transform
from ..vlm.clip_loading import DEFAULT_CLIP
from .video_inputs import (VideoFileGrounding, is_video_file, reads_vlm_features,
                           video_file_refused)

#: A video: ``T x D`` features (array or tensor), a ``.npy`` / ``.pt`` file of
#: one video, ``(HDF5 file or folder of per-video files, video_id)``, or (for
#: models that read vision-language features) a video file such as ``.mp4``.
VideoInput = Union[np.ndarray, torch.Tensor, str, os.PathLike, Tuple[str, str]]
_SINGLE_VIDEO_SUFFIXES = ('.npy', '.pt')
_MULTI_VIDEO_SUFFIXES = ('.h5', '.hdf5', '.hdf')


def _input_dim(module: nn.Module) -> Optional[int]:
    """``D`` the first linear / convolution layer of ``module`` takes."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            return int(m.in_features)
        if isinstance(m, nn.modules.conv._ConvNd):
            return int(m.in_channels)
    return None


def _config_from_checkpoint(weights: str) -> Config:
    """The config an mmengine Runner saved in checkpoint ``weights``."""
    checkpoint = _load_checkpoint(weights, map_location='cpu')
    text = checkpoint.get('message_hub', {}).get('runtime_info', {}).get('cfg')
    if text is None:
        text = checkpoint.get('meta', {}).get('cfg')
    if text is None:
        raise ValueError(f'{weights}: the checkpoint holds no config; pass the config '
                         'file as `model`')
    return Config.fromstring(text, file_format='.py')


@INFERENCERS.register_module()
class GroundingInferencer(BaseInferencer):
    """Find where sentences happen in a video, from its pre-extracted features.

    The video's ``T0 x D`` features are validated and resampled once, with the
    ``ResampleFeatures`` settings of the config's test pipeline
    (``cfg.test_dataloader.dataset.pipeline``); every query is tokenised with
    the model's vocabulary (``model.vocab``) and the ``max_len`` of the
    config's ``TokenizeQuery``; all queries of a call go through one forward
    (the video repeated over the batch, ``B x T x D``; see ``batch_size``).
    The segments are those of the model's ``predict``: its grower applied to
    its ``B x T`` ``frame_scores``, ``top_k`` kept.

    Example (the demo model of ``configs/dscnet_demo.py``)::

        >>> inferencer = GroundingInferencer('configs/dscnet_demo.py',
        ...                                  'work_dirs/dscnet_demo/epoch_32.pth')
        >>> inferencer(('data/demo/features.hdf5', 'TE00241'),
        ...            'the person starts opening a box.', duration=39.0, top_k=3)
        [{'query': 'the person starts opening a box.', 'unit': 'seconds',
          'duration': 39.0, 'segments': [[28.640625, 32.90625], [3.046875, 9.75],
          [3.046875, 32.90625]], 'scores': [1.0, 0.99997, 0.01976],
          'frame_scores': [...]}]

    Whether a model reads the query at all shows in its answers to queries
    of *other* videos: the evaluation's control row
    (``PriorComparisonHook(other_video_queries=True)``, every test query
    replaced by the query of a sample of another video, fixed by a seed)
    and the correlation of the frame-score curves with the true and with
    the other-video query logged under it (1.000: the query is ignored).
    Two queries of one video getting the same ``segments`` here are the
    same symptom.

    Building the model builds its vocabulary and word vectors from the
    training annotation named in the config (they are not in the
    checkpoint), so that file must be readable: point the config's
    ``data_root`` at the data as for ``tools/test.py``.

    Args:
        model: Config file path or :class:`mmengine.Config`; ``None`` reads
            the config saved in the checkpoint ``weights``.
        weights: Checkpoint path.
        device: Device to run on; ``None``: ``'cuda'`` if available, else
            ``'cpu'``.
        scope: Default scope of the config's types.
        show_progress: Show a progress bar over the batches.
        clip_model: For models that read vision-language features (their
            test pipeline has ``LoadQueryFeatures``, e.g.
            ``configs/zeroshot_vlm_charades-sta.py``): the CLIP (folder or
            hub name) that embeds the sentences and a video file's frames
            (see :class:`~dscnet_plugin.apis.video_inputs.VideoFileGrounding`).
        clip_seconds: Seconds per decoded clip of a video file; ``None``:
            the config's ``clip_seconds`` (1 s, 2 s for QVHighlights).
    """

    preprocess_kwargs: set = {'video', 'duration'}
    forward_kwargs: set = {'top_k'}
    visualize_kwargs: set = {'plot_file'}
    postprocess_kwargs: set = set()

    def __init__(self, model: Union[str, os.PathLike, Config, ConfigDict, dict, None] = None,
                 weights: Optional[str] = None, device: Optional[str] = None,
                 scope: Optional[str] = SCOPE, show_progress: bool = False,
                 clip_model: str = DEFAULT_CLIP,
                 clip_seconds: Optional[float] = None) -> None:
        if isinstance(model, os.PathLike):
            model = os.fspath(model)
        if isinstance(model, str) and not osp.isfile(model):
            raise FileNotFoundError(f'config file {model!r} not found')
        if weights is not None:
            weights = os.fspath(weights)
            if not osp.isfile(weights):
                raise FileNotFoundError(f'checkpoint {weights!r} not found')
        if device is None:
            device = 'cuda' if torch.cuda.is_available() else 'cpu'
        self.video_files: Optional[VideoFileGrounding] = None
        self._clip = dict(clip_model=clip_model, clip_seconds=clip_seconds, device=device)
        super().__init__(model=model, weights=weights, device=device, scope=scope,
                         show_progress=show_progress)

    # ------------------------------------------------------------ set-up
    def _init_model(self, cfg: Union[Config, ConfigDict], weights: Optional[str],
                    device: str = 'cpu') -> nn.Module:
        if not cfg:  # model=None: the config the Runner saved in the checkpoint
            cfg.update(_config_from_checkpoint(weights)._cfg_dict)
        model = init_model(cfg, weights, device)
        if weights is None and has_weights(model):
            print_log('GroundingInferencer: no checkpoint given, the model keeps its '
                      'random initial weights', logger='current', level=logging.WARNING)
        if reads_vlm_features(cfg):  # CLIP-space features, queries through CLIP
            self.video_files = VideoFileGrounding(cfg, **self._clip)
            self.feature_dim = None
            return model
        missing = [name for name in ('frame_scores', 'grower', 'vocab')
                   if not hasattr(model, name)]
        if missing:
            raise TypeError(f'GroundingInferencer needs a query-conditioned model with '
                            f'`frame_scores`, `grower` and `vocab` (such as DSCNet); '
                            f'{type(model).__name__} lacks {missing}')
        self.feature_dim = (_input_dim(model.video_encoder)
                            if hasattr(model, 'video_encoder') else None)
        return model

    def _init_pipeline(self, cfg: Union[Config, ConfigDict]) -> Callable:
        """Build ``self.resample`` (applied once per video) and return the
        per-query pipeline (tokenise, pack; pack only for vision-language
        models, whose queries are embedded)."""
        test_loader = cfg.get('test_dataloader')
        resample = _find_transform(test_loader, 'ResampleFeatures')
        if resample is None:
            if not hasattr(self.model, 'num_frames'):
                raise ValueError('the config\'s test pipeline has no ResampleFeatures and '
                                 'the model no `num_frames`: cannot tell the video length T')
            resample = dict(type='ResampleFeatures', num_frames=int(self.model.num_frames))
        self.resample = build_pinned(TRANSFORMS, copy.deepcopy(dict(resample)))
        self.num_frames = int(self.resample.num_frames)
        pack = build_pinned(TRANSFORMS, dict(type='PackGroundingInputs'))
        if self.video_files is not None:  # queries are embedded, not tokenised
            return Compose([pack])
        tokenize_cfg = _find_transform(test_loader, 'TokenizeQuery')
        if tokenize_cfg is None:
            raise ValueError('the config\'s test pipeline (test_dataloader.dataset.pipeline) '
                             'has no TokenizeQuery, so it does not say the query length')
        tokenizer = build_pinned(TRANSFORMS, dict(tokenize_cfg, vocab=self.model.vocab))
        self.max_query_len = int(tokenizer.max_len)
        return Compose([tokenizer, pack])

    def _init_visualizer(self, cfg: Union[Config, ConfigDict]) -> None:
        """No mmengine Visualizer: see :meth:`visualize`."""
        return None

    # ------------------------------------------------------------ inputs
    def _inputs_to_list(self, inputs: Union[str, Sequence[str]]) -> List[str]:
        """Check the queries: a string or a non-empty list of non-blank strings."""
        queries = [inputs] if isinstance(inputs, str) else inputs
        if not isinstance(queries, (list, tuple)):
            raise TypeError(f'queries must be a string or a list of strings, got '
                            f'{type(inputs).__name__}')
        if len(queries) == 0:
            raise ValueError('no query given: pass a sentence or a non-empty list of them')
        for i, q in enumerate(queries):
            if not isinstance(q, str):
                raise TypeError(f'query {i} is a {type(q).__name__}, expected a string')
            if not q.strip():
                raise ValueError(f'query {i} is empty')
        return list(queries)

    def load_video(self, video: VideoInput) -> Tuple[np.ndarray, str]:
        """Read and validate one video's features.

        Args:
            video: ``T0 x D`` array or tensor; a ``.npy`` / ``.pt`` file of one
                video; or ``(path, video_id)`` with ``path`` an HDF5 file
                (flat or nested layout) or a folder of ``{video_id}.npy`` /
                ``.pt`` files.

        Returns:
            ``(T0 x D float32 features, video id)``.

        Raises:
            ValueError: the features are not ``T0 x D`` with ``T0, D >= 1``,
                hold NaN / Inf, or their ``D`` is not the model's; the path
                holds many videos but no id was given.
            FileNotFoundError: a missing file.
        """
        if isinstance(video, torch.Tensor):
            video = video.detach().cpu().numpy()
        if isinstance(video, np.ndarray):
            source, video_id = 'video array', 'video'
            feats = check_feature(video, source, None)
        elif isinstance(video, (tuple, list)):
            if len(video) != 2:
                raise ValueError(f'a video given as a sequence must be (path, video_id), got '
                                 f'{len(video)} items')
            path, video_id = os.fspath(video[0]), str(video[1])
            if not osp.exists(path):
                raise FileNotFoundError(f'video features {path!r} not found')
            source = path
            feats = VideoFeatures(path)[video_id]
        elif isinstance(video, (str, os.PathLike)):
            path = os.fspath(video)
            suffix = osp.splitext(path)[1]
            if osp.isdir(path) or suffix.lower() in _MULTI_VIDEO_SUFFIXES:
                raise ValueError(f'{path} holds the features of many videos: pass '
                                 '(path, video_id)')
            if suffix.lower() not in _SINGLE_VIDEO_SUFFIXES:
                raise ValueError(f'{path}: expected a .npy or .pt file of one video\'s '
                                 'T x D features, or (HDF5 file or folder, video_id)')
            if not osp.isfile(path):
                raise FileNotFoundError(f'video features {path!r} not found')
            source = path
            video_id = osp.basename(path)[:-len(suffix)]
            reader = ArrayDirFeatures(osp.dirname(path) or '.', suffixes=(suffix,))
            feats = reader[video_id]
        else:
            raise TypeError('video must be a T x D array or tensor, a .npy/.pt path, or '
                            f'(path, video_id); got {type(video).__name__}')
        if self.feature_dim is not None and feats.shape[1] != self.feature_dim:
            raise ValueError(f'{source}: the video features have dimension {feats.shape[1]} '
                             f'(shape {tuple(feats.shape)}), but the model takes '
                             f'{self.feature_dim}-d features; use the features it was '
                             'trained on')
        return feats, video_id

    def preprocess(self, inputs: List[str], batch_size: Optional[int] = None, *,
                   video: VideoInput, duration: Optional[float] = None) -> Iterator[dict]:
        """Load and resample the video once, pack it with each query, and
        collate batches.

        Args:
            inputs: The queries.
            batch_size: Queries per forward; ``None``: all of them.
            video: See :meth:`load_video`; for a model that reads
                vision-language features also a video file (``.mp4``...).
            duration: Video length in seconds, stored in each sample's
                metainfo (``None``: results stay normalised; read from a
                video file).

        Yields:
            Collated batches ``{'inputs': {'video_feature': B x (T x D),
            'video_mask': B x (T,), 'query_tokens': B x (L,),
            'query_mask': B x (L,)}, 'data_samples': B samples}``
            (``query_feature``: ``B x (D,)`` instead of the tokens for a
            vision-language model).
        """
        if self.video_files is not None:
            items = self.video_files.items(inputs, video, duration, self.load_video,
                                           self.resample, self.pipeline)
            size = len(items) if batch_size is None else batch_size
            yield from map(self.collate_fn, self._get_chunk_data(items, size))
            return
        if is_video_file(video):
            raise video_file_refused(video, self.cfg, self.feature_dim)
        feats, video_id = self.load_video(video)
        resampled = self.resample(dict(video_feature=feats))
        base = dict(video_feature=resampled['video_feature'],
                    video_mask=resampled['video_mask'], video_id=video_id,
                    num_source_frames=int(feats.shape[0]))
        if duration is not None:
            base['duration'] = float(duration)
        vocab = self.model.vocab
        for q in inputs:  # a query with no known word at all is warned by TokenizeQuery
            words = tokenize(q)
            unknown = [w for w in words if w not in vocab]
            if unknown and len(unknown) < len(words):
                print_log(f'query {q!r}: {unknown} not in the training vocabulary '
                          '(read as <unk>)', logger='current', level=logging.WARNING)
        items = [self.pipeline(dict(base, query=q)) for q in inputs]
        size = len(items) if batch_size is None else batch_size
        yield from map(self.collate_fn, self._get_chunk_data(items, size))

    # ----------------------------------------------------------- forward
    def _grower(self, top_k: int) -> Callable:
        """The model's grower, asked for ``top_k`` proposals where it can."""
        grower = self.model.grower
        if getattr(grower, 'top_k', top_k) != top_k:
            grower = copy.copy(grower)
            grower.top_k = top_k
        return grower

    @torch.no_grad()
    def forward(self, inputs: dict, top_k: int = 5) -> List[GroundingDataSample]:
        """Score the frames of a batch and grow ranked segments.

        Args:
            inputs: A collated batch from :meth:`preprocess`.
            top_k: Segments kept per query (at most; fewer when the grower
                finds fewer).

        Returns:
            The batch's samples with ``pred_moments`` (``K x 2``, seconds, or
            normalised to [0, 1] when the metainfo has no ``duration``),
            ``pred_scores`` (``(K,)``, descending) and ``frame_scores``
            (``(T_real,)``, the model's per-frame scores of the real frames,
            peak 1), all on the CPU.
        """
        if self.video_files is not None:
            return self.video_files.forward(self.model, inputs, top_k)
        data = self.model.data_preprocessor(inputs, False)
        batch, samples = data['inputs'], data['data_samples']
        mask = batch['video_mask'].bool()
        frame_scores = self.model.frame_scores(batch)                   # B x T
        segments, scores = self._grower(top_k)(frame_scores, mask)     # B x K x 2, B x K
        for sample, seg, sc, fs, m in zip(samples, segments, scores, frame_scores, mask):
            real = torch.isfinite(sc)
            seg = seg[real][:top_k].double().cpu()
            duration = sample.metainfo.get('duration')
            sample.pred_moments = seg * duration if duration is not None else seg
            sample.pred_scores = sc[real][:top_k].double().cpu()
            sample.frame_scores = fs[m].float().cpu()
        return samples

    # ----------------------------------------------------------- outputs
    @staticmethod
    def to_dict(sample: GroundingDataSample) -> Dict[str, Any]:
        """The JSON-serialisable result of one query (see :meth:`__call__`)."""
        duration = sample.metainfo.get('duration')
        return dict(query=sample.metainfo['query'],
                    unit='seconds' if duration is not None else 'normalized',
                    duration=duration,
                    segments=sample.pred_moments.tolist(),
                    scores=sample.pred_scores.tolist(),
                    frame_scores=sample.frame_scores.tolist())

    def visualize(self, inputs: List[str], preds: List[GroundingDataSample],
                  plot_file: Optional[str] = None) -> Optional[Any]:
        """Plot the frame-score curves with the top segment shaded.

        Args:
            inputs: The queries.
            preds: The samples from :meth:`forward`.
            plot_file: PNG (or any matplotlib format) to write; ``None``:
                no plot.

        Returns:
            The matplotlib figure, or ``None`` without ``plot_file``.
        """
        if plot_file is None:
            return None
        from ..visualization import plot_score_curves
        return plot_score_curves([self.to_dict(p) for p in preds], out_file=plot_file)

    def postprocess(self, preds: List[GroundingDataSample], visualization: Optional[Any] = None,
                    return_datasamples: bool = False
                    ) -> Union[List[Dict[str, Any]], List[GroundingDataSample]]:
        """One result per query, in query order (see :meth:`__call__`)."""
        if return_datasamples:
            return preds
        return [self.to_dict(p) for p in preds]

    # -------------------------------------------------------------- call
    def __call__(self, video: VideoInput, queries: Union[str, Sequence[str]],
                 duration: Optional[float] = None, top_k: int = 5,
                 batch_size: Optional[int] = None, plot_file: Optional[str] = None,
                 return_datasamples: bool = False
                 ) -> Union[List[Dict[str, Any]], List[GroundingDataSample]]:
        """Ground each query in the video.

        Args:
            video: ``T0 x D`` features (array or tensor), a ``.npy`` / ``.pt``
                file of one video, or ``(HDF5 file or feature folder,
                video_id)``; a video file (``.mp4``...) for a model that
                reads vision-language features (decoded, embedded with the
                CLIP of ``clip_model``; the duration is the decoded one).
            queries: A sentence or a list of sentences.
            duration: Video length in seconds; ``None`` gives times
                normalised to [0, 1].
            top_k: Segments returned per query (at most).
            batch_size: Queries per forward; ``None``: all in one.
            plot_file: Also write the frame-score plot (one panel per query)
                to this file.
            return_datasamples: Return the
                :class:`~dscnet_plugin.structures.GroundingDataSample` list
                instead of dicts.

        Returns:
            One dict per query, in order: ``query``; ``unit``
            (``'seconds'`` or ``'normalized'``); ``duration`` (or ``None``);
            ``segments``, ``[[start, end], ...]`` ranked best first;
            ``scores``, descending; ``frame_scores``, the model's per-frame
            scores (peak 1) over the video's ``T`` resampled frames (the
            real ones when the pipeline pads short videos), frame ``k``
            covering ``[k, k + 1] / T`` of the video.

        Raises:
            ValueError: an empty query list or an empty query, a bad
                ``duration`` / ``top_k`` / ``batch_size``, or features of
                the wrong rank or dimension (see :meth:`load_video`).
        """
        queries = self._inputs_to_list(queries)
        if duration is not None:
            if (isinstance(duration, bool) or not isinstance(duration, numbers.Real)
                    or not math.isfinite(duration) or duration <= 0):
                raise ValueError(f'duration must be a positive number of seconds, got '
                                 f'{duration!r}')
            duration = float(duration)
        if isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral) or top_k < 1:
            raise ValueError(f'top_k must be a positive integer, got {top_k!r}')
        if batch_size is not None and (isinstance(batch_size, bool)
                                       or not isinstance(batch_size, numbers.Integral)
                                       or batch_size < 1):
            raise ValueError(f'batch_size must be a positive integer or None, got '
                             f'{batch_size!r}')
        top_k = int(top_k)
        batch_size = None if batch_size is None else int(batch_size)
        batches = self.preprocess(queries, batch_size, video=video, duration=duration)
        if self.show_progress:
            from rich.progress import track
            batches = track(batches, description='Inference')
        preds: List[GroundingDataSample] = []
        for data in batches:
            preds.extend(self.forward(data, top_k=top_k))
        visualization = self.visualize(queries, preds, plot_file=plot_file)
        return self.postprocess(preds, visualization, return_datasamples)
