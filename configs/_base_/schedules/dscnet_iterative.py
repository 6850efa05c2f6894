# Video module: Adam, lr 5e-4 (paper). The epoch count is iterations (L) x
# N_e x epochs_per_stage; IterativeRelabelHook derives it from the model,
# so changing L or N_e needs no edit here.
iterations = 5  # L (paper: 5; Table 4)
epochs_per_stage = 1
language_epochs = 10

optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_interval=1000)
val_cfg = dict(type='ValLoop')
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
