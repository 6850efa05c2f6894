"""Neck clusterers."""
from .kmeans_clusterer import (KMeansNeckClusterer, SphericalKMeansNeckClusterer,
                               batched_kmeans)

__all__ = ['KMeansNeckClusterer', 'SphericalKMeansNeckClusterer', 'batched_kmeans']
