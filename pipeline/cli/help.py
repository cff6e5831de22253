"""How every subcommand's ``--help`` is laid out: a description, then ``examples:``.

Kept apart from :mod:`pipeline.cli.main` so that the corpus and training commands, which
that module imports, can use it too without a circular import.
"""

from __future__ import annotations

import argparse


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """One-paragraph descriptions wrapped to the terminal as usual; text already cut into
    lines (the ``examples:`` epilogs, as spaCy's CLI docs show them) kept exactly as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return super()._fill_text(text, width, indent)
        return argparse.HelpFormatter._fill_text(self, text, width, indent)


def examples(*lines: str) -> str:
    """An ``examples:`` epilog: one command a line, ``#`` lines as comments above the next one."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)
