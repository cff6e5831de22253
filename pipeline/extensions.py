"""The custom attributes the pipeline sets on a spaCy Doc.

``doc._.relations``: ``(head, tail, label, score)`` tuples, head and tail being
indices into ``doc.spans["econ"]``; ``doc._.relation_scores``: the probability of
every candidate pair, ``{(head, tail, label): p}``, which the triple assembler
weighs below the relation threshold too; ``doc._.triples``: :class:`~pipeline.document.Triple`
records. Both live in ``doc.user_data``, so they travel with ``DocBin``.
"""

from spacy.tokens import Doc

for _name in ("relations", "relation_scores", "triples"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)
