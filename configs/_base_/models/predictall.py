# The whole video as the prediction.
model = dict(type='PredictAllPrior')
