"""spaCy entry points: a saved pipeline loads with plain ``spacy.load`` in a fresh interpreter.

spaCy resolves a config's language, tokenizer, factories, architectures and scorers through
its registries, which fall back on the ``spacy_*`` entry points of installed packages.
pyproject.toml declares ours; these tests check that each declared entry point names what
the project registers, that nothing registered is missing, and that loading really works
without ``import pipeline``.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import catalogue
import pytest
from spacy.language import Language

from pipeline import default_model_path

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parent.parent

#: spaCy's entry-point group → the catalogue namespace its registry reads.
GROUPS = {
    "spacy_languages": "languages",
    "spacy_tokenizers": "tokenizers",
    "spacy_architectures": "architectures",
    "spacy_scorers": "scorers",
    "spacy_factories": "internal_factories",
    "spacy_misc": "misc",
    "spacy_callbacks": "callbacks",
}


def _declared() -> dict[str, dict[str, str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {group: dict(project.get("entry-points", {}).get(group, {})) for group in GROUPS}


def _load(value: str):
    module, _, attr = value.partition(":")
    return getattr(importlib.import_module(module), attr)


def _ours() -> dict[str, set[str]]:
    """Every name the project's modules put into spaCy's registries, by entry-point group."""
    import pipeline.components  # noqa: F401  (imports every module that registers something)

    found: dict[str, set[str]] = {group: set() for group in GROUPS}
    for key, func in catalogue.REGISTRY.items():
        if key[0] != "spacy" or not getattr(func, "__module__", "").startswith("pipeline"):
            continue
        for group, namespace in GROUPS.items():
            if key[1] == namespace and len(key) == 3:
                found[group].add(key[2])
    return found


def test_each_entry_point_names_what_the_project_registers():
    declared = _declared()
    assert declared["spacy_languages"] and declared["spacy_factories"]
    for group, entries in declared.items():
        for name, value in entries.items():
            obj = _load(value)
            registered = catalogue._get(("spacy", GROUPS[group], name))
            assert registered is obj, f"{group}: {name} = {value} is not what spaCy has registered under {name!r}"
    for name in declared["spacy_factories"]:
        assert Language.has_factory(name) and Language.get_factory_meta(name).factory == name


def test_every_registered_name_has_an_entry_point():
    declared = _declared()
    for group, names in _ours().items():
        assert names == set(declared[group]), f"{group}: registered {sorted(names)}, declared {sorted(declared[group])}"


def test_the_shipped_model_needs_only_its_config_names():
    """Whatever the shipped config names outside spaCy's own registrations is declared."""
    config = (default_model_path() / "config.cfg").read_text(encoding="utf-8")
    declared = {name for entries in _declared().values() for name in entries}
    assert '"pipeline.KiwiTokenizer.v1"' in config and 'lang = "ko_kiwi"' in config
    for name in ("ko_kiwi", "pipeline.KiwiTokenizer.v1", "pipeline.RelationBOW.v1", "pipeline.econ_ner_scorer.v1", "econ_ner"):
        assert name in declared and name in config


def test_spacy_load_works_in_a_fresh_interpreter_without_importing_pipeline(tmp_path):
    script = textwrap.dedent(
        f"""
        import importlib.metadata, json, sys
        if "ko_kiwi" not in {{ep.name for ep in importlib.metadata.entry_points(group="spacy_languages")}}:
            print(json.dumps({{"skip": True}}))
            sys.exit(0)
        import spacy
        assert "pipeline" not in sys.modules
        nlp = spacy.load({str(default_model_path())!r})
        print(json.dumps({{"lang": nlp.lang, "cls": type(nlp).__module__ + "." + type(nlp).__name__,
                          "pipes": nlp.pipe_names, "tokenizer": type(nlp.tokenizer).__name__}}))
        """
    )
    # run away from the checkout, so that only the installed package's metadata is seen
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    if got.get("skip"):
        pytest.skip("the installed econ-facts predates its spaCy entry points: re-install it (pip install -e .)")
    assert got == {
        "lang": "ko_kiwi",
        "cls": "pipeline.language.KiwiKorean",
        "pipes": ["econ_ner", "ner", "relation_extractor", "triple_assembler"],
        "tokenizer": "KiwiTokenizer",
    }
