"""Registries of dscnet_plugin.

The standard OpenMMLab registries are children of mmengine's root registries
with the scope ``dscnet_plugin``, so a config whose ``default_scope`` is
another package can still name our components as ``dscnet_plugin.X``.

The plugin's own component registries are standalone (their scope is also
``dscnet_plugin``); each entry is built from a config dict with
``REGISTRY.build(dict(type=...))``.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine import registry as mmengine_registry
from mmengine.registry import Registry

SCOPE = 'dscnet_plugin'

# --------------------------------------------------------------------------
# Children of mmengine's root registries.
# --------------------------------------------------------------------------
MODELS = Registry(
    'model', parent=MMENGINE_MODELS, scope=SCOPE,
    locations=['dscnet_plugin.models'])
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, scope=SCOPE,
    locations=['dscnet_plugin.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, scope=SCOPE,
    locations=['dscnet_plugin.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope=SCOPE,
    locations=['dscnet_plugin.datasets.transforms'])
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, scope=SCOPE,
    locations=['dscnet_plugin.evaluation'])
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, scope=SCOPE,
    locations=['dscnet_plugin.engine'])
LOOPS = Registry(
    'loop', parent=MMENGINE_LOOPS, scope=SCOPE,
    locations=['dscnet_plugin.engine'])
VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, scope=SCOPE,
    locations=['dscnet_plugin.visualization'])
INFERENCERS = Registry(
    'inferencer', parent=MMENGINE_INFERENCERS, scope=SCOPE,
    locations=['dscnet_plugin.apis'])

RUNNERS = Registry('runner', parent=mmengine_registry.RUNNERS, scope=SCOPE,
                   locations=['dscnet_plugin.engine'])

# Children that hold nothing of ours yet; they exist so the Runner finds a
# ``dscnet_plugin`` node in every registry tree (and falls back to mmengine's
# entries without warnings).
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor', parent=mmengine_registry.RUNNER_CONSTRUCTORS, scope=SCOPE)
FUNCTIONS = Registry('function', parent=mmengine_registry.FUNCTIONS, scope=SCOPE)
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=mmengine_registry.MODEL_WRAPPERS, scope=SCOPE)
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=mmengine_registry.WEIGHT_INITIALIZERS, scope=SCOPE)
OPTIMIZERS = Registry('optimizer', parent=mmengine_registry.OPTIMIZERS, scope=SCOPE)
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=mmengine_registry.OPTIM_WRAPPERS, scope=SCOPE)
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=mmengine_registry.OPTIM_WRAPPER_CONSTRUCTORS, scope=SCOPE)
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=mmengine_registry.PARAM_SCHEDULERS, scope=SCOPE)
EVALUATOR = Registry('evaluator', parent=mmengine_registry.EVALUATOR, scope=SCOPE)
TASK_UTILS = Registry('task util', parent=mmengine_registry.TASK_UTILS, scope=SCOPE)
VISBACKENDS = Registry('vis_backend', parent=mmengine_registry.VISBACKENDS, scope=SCOPE)
LOG_PROCESSORS = Registry(
    'log_processor', parent=mmengine_registry.LOG_PROCESSORS, scope=SCOPE)

# --------------------------------------------------------------------------
# The plugin's own component registries.
# --------------------------------------------------------------------------
#: Readers and generators of on-disk data: annotation files, video feature
#: files, word vectors, synthetic datasets and vocabularies.
DATA_SOURCES = Registry(
    'data source', scope=SCOPE, locations=['dscnet_plugin.datasets'])
#: Sentence encoders that map query tokens to necks (``B x N_e x d_e``).
TEXT_ENCODERS = Registry(
    'text encoder', scope=SCOPE, locations=['dscnet_plugin.models'])
#: Clusterers that turn the necks of all training queries into centres.
NECK_CLUSTERERS = Registry(
    'neck clusterer', scope=SCOPE, locations=['dscnet_plugin.models'])
#: Pseudo-labellers that give per-frame binary labels for each centre.
PSEUDO_LABELLERS = Registry(
    'pseudo labeller', scope=SCOPE, locations=['dscnet_plugin.models'])
#: Aligners that pair each text centre with a visual cluster (no pairs).
CROSS_MODAL_ALIGNERS = Registry(
    'cross-modal aligner', scope=SCOPE, locations=['dscnet_plugin.models'])
#: Attention heads of the video module (specific / foreground branches).
ATTENTION_HEADS = Registry(
    'attention head', scope=SCOPE, locations=['dscnet_plugin.models'])
#: Loss modules; each carries its own weight.
LOSSES = Registry('loss', scope=SCOPE, locations=['dscnet_plugin.models'])
#: Growers that turn per-frame scores into ranked segments at inference.
INFERENCE_GROWERS = Registry(
    'inference grower', scope=SCOPE, locations=['dscnet_plugin.models'])

__all__ = [
    'SCOPE', 'MODELS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'METRICS', 'HOOKS', 'LOOPS',
    'VISUALIZERS', 'INFERENCERS', 'RUNNERS', 'RUNNER_CONSTRUCTORS', 'FUNCTIONS',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'EVALUATOR', 'TASK_UTILS',
    'VISBACKENDS', 'LOG_PROCESSORS', 'DATA_SOURCES', 'TEXT_ENCODERS',
    'NECK_CLUSTERERS', 'PSEUDO_LABELLERS', 'CROSS_MODAL_ALIGNERS', 'ATTENTION_HEADS', 'LOSSES',
    'INFERENCE_GROWERS'
]
