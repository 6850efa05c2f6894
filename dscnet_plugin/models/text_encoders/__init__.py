"""Text encoders (language semantic mining)."""
from .lstm_neck_autoencoder import LSTMNeckAutoEncoder, two_layer_perceptron

__all__ = ['LSTMNeckAutoEncoder', 'two_layer_perceptron']
