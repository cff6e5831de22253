"""The evaluation layer: scoring pipelines and annotators against SCHEMA.md's rules.

:mod:`.scoring` counts matches (one-to-one, micro P/R/F1) with the core's string match
(:mod:`pipeline.core.matching`), :mod:`.evaluate` scores a pipeline on a corpus split and
:mod:`.agreement` scores two annotators against each other. It sits above the corpus tools,
whose records it reads, and below training, which reports with it.
"""
