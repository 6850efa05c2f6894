"""Cross-modal aligners: pair the text centres with visual clusters."""
from .cluster_matching_aligner import ClusterMatchingAligner, frequency_pairing, match_clusters

__all__ = ['ClusterMatchingAligner', 'frequency_pairing', 'match_clusters']
