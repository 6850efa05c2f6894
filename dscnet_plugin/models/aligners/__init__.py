"""Cross-modal aligners: pair the text centres with visual clusters."""
from .cluster_matching_aligner import ClusterMatchingAligner, match_clusters

__all__ = ['ClusterMatchingAligner', 'match_clusters']
