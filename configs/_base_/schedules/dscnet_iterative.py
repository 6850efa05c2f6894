# Video module: Adam, lr 5e-4 (paper). L (paper: 5; Table 4) and the epochs
# per stage are fields of IterativeRelabelHook, the language module's epochs
# of SemanticClusteringHook: both in the model config's custom_hooks (e.g.
# --cfg-options custom_hooks.1.iterations=3). The epoch count is L x N_e x
# epochs_per_stage; IterativeRelabelHook derives it from the model, so
# changing L or N_e needs no edit of train_cfg.max_epochs here.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4))
# Training features on the device when they fit (features='auto'; 'streaming': the
# per-sample DataLoader every epoch), see ResidentEpochBasedTrainLoop.
train_cfg = dict(type='ResidentEpochBasedTrainLoop', max_epochs=20, val_interval=1000,
                 features='auto', dtype='float32')
# Validation batches kept on the device after the first validation when they fit
# (a run that validates after each relabel iteration reads its files once).
val_cfg = dict(type='ResidentValLoop', features='auto')
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
