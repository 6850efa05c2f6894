"""Words too common to carry a query's or an event's meaning."""

#: Dropped from captions by the simulators and from the content-word vectors
#: of the queries (``sif_sentence_vectors(..., weighting='content')``).
STOP_WORDS = frozenset(
    'a an the and or of to in on at by for with from into onto up down out off '
    'over then than as is are was were be been being it its he she they them his '
    'her their this that these those there while who which what when where also '
    'some s person man woman people someone'.split())
