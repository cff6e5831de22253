"""The core layer: what an annotated record is, with no model, corpus or I/O code.

The schema's labels (:mod:`.schema`), the typed record and its validation
(:mod:`.document`), its Arrow / ``datasets`` / JSON Schema views (:mod:`.arrow`,
:mod:`.json_schema`), SCHEMA.md's string match (:mod:`.matching`), normalisation of
names and outcome values (:mod:`.normalize`), the size limits (:mod:`.limits`) and the
cutting of long texts into segments and the merging of their records (:mod:`.segments`).
Every other layer imports from here; this package imports from no other layer
(``lint-imports`` checks it: see ``[tool.importlinter]`` in pyproject.toml).
"""
