"""Cross-modal aligners: pair the text centres with visual clusters."""
from .cluster_matching_aligner import ClusterMatchingAligner, frequency_pairing, match_clusters
from .gromov_wasserstein import best_gromov_wasserstein, gromov_wasserstein
from .transport_aligner import TransportAligner

__all__ = ['ClusterMatchingAligner', 'TransportAligner', 'best_gromov_wasserstein',
           'frequency_pairing', 'gromov_wasserstein', 'match_clusters']
