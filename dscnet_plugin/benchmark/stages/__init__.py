"""Per-stage wall time and peak memory of the DSCNet pipeline at dataset scale.

The five stages of a DSCNet run (Algorithm 1), each measured on the real
code path (:mod:`.stages`): the model is built from
``configs/dscnet_<dataset>.py`` (the vocabulary and the GloVe vectors are
replaced by random ones of the real size) and each stage calls the method
the training / test loop calls.

=================  =========================================================
``language_epoch``  one epoch of ``SemanticClusteringHook.train_language``
                    (LSTM neck auto-encoder, ``L_w``, Adam) over the queries
``clustering``      ``SemanticClusteringHook.cluster``: necks of all training
                    queries + k-means (``N_c`` centres per neck)
``relabel``         ``IterativeRelabelHook.relabel`` of all ``N_e`` necks
                    (``NCutLabeller``) over the training videos, features
                    cached in memory
``video_epoch``     one epoch of ``model.train_step`` (encoder, both heads,
                    ``L_v``, Adam) over the training videos, features
                    resident in memory
``test``            ``model.test_step`` (predict + grower) over the test
                    queries
=================  =========================================================

Modules: :mod:`.plan` (datasets, settings, scaled counts), :mod:`.inputs`
(random inputs), :mod:`.stages` (the stage functions), :mod:`.isolation`
(one child process per stage), :mod:`.report` (whole datasets, the
extrapolation, JSON and table). The configs are read relative to the
current directory (run from the repository root).

Example::

    from dscnet_plugin.benchmark.stages.report import measure
    result = measure(['charades'], 'cpu', scale=0.05)
"""
