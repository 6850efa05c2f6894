"""Feature simulation from real annotation timelines (benchmarks)."""
from .concept_vectors import (STOP_WORDS, caption_concept_vectors,
                              charades_concept_vectors, phrase_vector)
from .feature_simulator import TimelineFeatureSimulator
from .simulate import simulate_activitynet, simulate_charades, sta_video_ids
from .timelines import (TimelineEvent, VideoTimeline, activitynet_timelines,
                        charades_concepts, charades_timelines)

__all__ = ['STOP_WORDS', 'caption_concept_vectors', 'charades_concept_vectors',
           'phrase_vector', 'TimelineFeatureSimulator', 'TimelineEvent',
           'VideoTimeline', 'activitynet_timelines', 'charades_concepts',
           'charades_timelines', 'simulate_activitynet', 'simulate_charades',
           'sta_video_ids']
