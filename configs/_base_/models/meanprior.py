# Mean training moment. train_annotation is set by the dataset config.
model = dict(type='MeanMomentPrior')
