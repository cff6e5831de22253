"""The label sets and relation signatures of ../shared/SCHEMA.md, in one place."""

ENTITY_LABELS = ("COMPANY", "AGENCY", "PROGRAM", "OUTCOME")

#: relation label → (head label, tail label)
RELATION_SIGNATURES = {
    "PARTICIPATES_IN": ("COMPANY", "PROGRAM"),
    "RUNS": ("AGENCY", "PROGRAM"),
    "ACHIEVED": ("COMPANY", "OUTCOME"),
    "RESULT_OF": ("OUTCOME", "PROGRAM"),
}
RELATION_LABELS = tuple(RELATION_SIGNATURES)
