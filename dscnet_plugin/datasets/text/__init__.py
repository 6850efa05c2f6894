"""Query text: tokenizer, vocabulary, word vectors."""
from .embedding import build_embedding_matrix, oov_vector
from .stop_words import STOP_WORDS
from .tokenizer import tokenize
from .unknown_queries import (check_training_queries, report_unknown_queries,
                              warn_unknown_query)
from .vocabulary import QueryVocabulary, Vocabulary
from .word_vectors import BaseWordVectors, GloveTextVectors, KumoGloveVectors

__all__ = ['tokenize', 'Vocabulary', 'QueryVocabulary', 'BaseWordVectors',
           'GloveTextVectors', 'KumoGloveVectors', 'build_embedding_matrix',
           'oov_vector', 'check_training_queries', 'report_unknown_queries',
           'warn_unknown_query', 'STOP_WORDS']
