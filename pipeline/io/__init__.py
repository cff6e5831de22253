"""The I/O layer: reading inputs, writing annotated records, and the resume protocol.

Readers turn files into records with their source positions; writers put records in
JSONL or Parquet; :mod:`.runstate` is what lets a killed run resume. Nothing here
loads a model or knows the corpus tools: the runners above drive these modules.
"""
