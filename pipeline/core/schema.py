"""The label sets and relation signatures of ../shared/SCHEMA.md, and KLUE's standard labels, in one place.

The core, the components, the corpus tools and the display all name these; they live in the
lowest layer so that none of them has to import the corpus tools for a tuple of strings.
"""

ENTITY_LABELS = ("COMPANY", "AGENCY", "PROGRAM", "OUTCOME")

#: relation label → (head label, tail label)
RELATION_SIGNATURES = {
    "PARTICIPATES_IN": ("COMPANY", "PROGRAM"),
    "RUNS": ("AGENCY", "PROGRAM"),
    "ACHIEVED": ("COMPANY", "OUTCOME"),
    "RESULT_OF": ("OUTCOME", "PROGRAM"),
}
RELATION_LABELS = tuple(RELATION_SIGNATURES)

#: KLUE NER's six labels: the standard layer (``standard_entities``)
STANDARD_LABELS = ("PS", "LC", "OG", "DT", "TI", "QT")
