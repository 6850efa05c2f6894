"""Text encoders (language semantic mining) and their reconstruction accuracy."""
from .clip_text_encoder import CLIPTextEncoder
from .lstm_neck_autoencoder import LSTMNeckAutoEncoder, two_layer_perceptron
from .token_accuracy import token_accuracy

__all__ = ['CLIPTextEncoder', 'LSTMNeckAutoEncoder', 'two_layer_perceptron', 'token_accuracy']
