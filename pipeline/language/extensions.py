"""The custom attributes the pipeline sets on a spaCy Doc.

``doc._.relations``: ``(head, tail, label, score)`` tuples, head and tail being
indices into ``doc.spans["econ"]``; ``doc._.relation_scores``: the probability of
every candidate pair, ``{(head, tail, label): p}``, which the triple assembler
weighs below the relation threshold too; ``doc._.triples``:
:class:`~pipeline.core.document.Triple` records.

All three live in ``doc.user_data`` in a msgpack-safe form (lists and dicts of
plain values), so a Doc travels with ``DocBin(store_user_data=True)`` and comes
back with the same relations and triples; the getters rebuild the typed views.
"""

from spacy.tokens import Doc

_RELATIONS, _SCORES, _TRIPLES = "econ_relations", "econ_relation_scores", "econ_triples"


def _plain(obj):
    """msgpack (as DocBin uses it) gives tuples back for lists: lists again, all the way down."""
    if isinstance(obj, (list, tuple)):
        return [_plain(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


def _get_relations(doc: Doc):
    stored = doc.user_data.get(_RELATIONS)
    return None if stored is None else [tuple(r) for r in stored]


def _set_relations(doc: Doc, value) -> None:
    doc.user_data[_RELATIONS] = None if value is None else [[int(h), int(t), str(label), float(s)] for h, t, label, s in value]


def _get_scores(doc: Doc):
    stored = doc.user_data.get(_SCORES)
    return None if stored is None else {(h, t, label): p for h, t, label, p in stored}


def _set_scores(doc: Doc, value) -> None:
    doc.user_data[_SCORES] = None if value is None else [[int(h), int(t), str(label), float(p)] for (h, t, label), p in value.items()]


def _get_triples(doc: Doc):
    from ..core.document import Triple

    stored = doc.user_data.get(_TRIPLES)
    return None if stored is None else [Triple.from_dict(_plain(t)) for t in stored]


def _set_triples(doc: Doc, value) -> None:
    doc.user_data[_TRIPLES] = None if value is None else [t.to_dict() if hasattr(t, "to_dict") else dict(t) for t in value]


for _name, _getter, _setter in (
    ("relations", _get_relations, _set_relations),
    ("relation_scores", _get_scores, _set_scores),
    ("triples", _get_triples, _set_triples),
):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, getter=_getter, setter=_setter)
