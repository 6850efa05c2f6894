"""Words of the synthetic dataset: verbs with their inflections, objects,
and the function words of the sentence templates."""

#: (base, third person, gerund, past)
VERBS = (
    ('open', 'opens', 'opening', 'opened'),
    ('close', 'closes', 'closing', 'closed'),
    ('hold', 'holds', 'holding', 'held'),
    ('throw', 'throws', 'throwing', 'threw'),
    ('wash', 'washes', 'washing', 'washed'),
    ('take', 'takes', 'taking', 'took'),
    ('put', 'puts', 'putting', 'put'),
    ('fix', 'fixes', 'fixing', 'fixed'),
    ('watch', 'watches', 'watching', 'watched'),
    ('tidy', 'tidies', 'tidying', 'tidied'),
)

OBJECTS = ('door', 'cup', 'book', 'phone', 'towel', 'bag', 'shoe', 'box',
           'window', 'laptop', 'pillow', 'blanket')

#: Sentence templates; {v3} third person, {ving} gerund, {vpast} past.
TEMPLATES = (
    'person {v3} the {obj}.',
    'a person {v3} a {obj}.',
    'the person is {ving} the {obj}.',
    'person {vpast} a {obj}.',
    'someone {v3} the {obj} quickly.',
    'a person {vpast} the {obj} in the room.',
    'person then {v3} the {obj}.',
    'the person starts {ving} a {obj}.',
)

FUNCTION_WORDS = ('person', 'a', 'the', 'is', 'someone', 'quickly', 'in',
                  'room', 'then', 'starts')
