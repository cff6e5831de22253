"""Builds the ``ko_econ_default`` model package from the model directory the training writes.

The model's files live once in git, in ``models/ko_econ_default/`` of the econ-facts checkout
(``python -m pipeline train`` writes there, the model card sits beside them); this build copies
them into the package where spaCy's convention expects them (``meta.json`` at the top,
the pipeline in ``<lang>_<name>-<version>/``), so 18 MB are not kept twice. Name, version,
licence and requirements are read from that ``meta.json``, as ``spacy package`` does.

Install it non-editable from the checkout, with econ-facts:
``pip install . ./packages/ko_econ_default`` (an editable install would have no model files).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
NAME = "ko_econ_default"
MODEL_DIR = HERE.parent.parent / "models" / NAME


def _meta() -> dict:
    path = MODEL_DIR / "meta.json"
    if not path.is_file():
        raise SystemExit(f"{NAME}: no model at {MODEL_DIR}: build this package inside a checkout of econ-facts")
    meta = json.loads(path.read_text(encoding="utf-8"))
    if meta.get("name") != NAME:
        raise SystemExit(f"{NAME}: {path} names the model {meta.get('name')!r}, not {NAME!r}")
    return meta


META = _meta()
DATA_DIR = f"{META['lang']}_{META['name']}-{META['version']}"  # what spacy.util.load_model_from_init_py looks for


class BuildWithModel(build_py):
    """The ordinary build, then the model's files copied in beside ``__init__.py``."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / NAME
        shutil.copy2(MODEL_DIR / "meta.json", target / "meta.json")
        for stale in [d for d in target.iterdir() if (d / "config.cfg").is_file()]:
            shutil.rmtree(stale)  # an earlier build's copy (build/ is reused), maybe of another version
        shutil.copytree(MODEL_DIR, target / DATA_DIR, ignore=shutil.ignore_patterns("__pycache__"))


setup(
    name=NAME,
    version=META["version"],
    description=META.get("description", ""),
    long_description=(MODEL_DIR / "README.md").read_text(encoding="utf-8") if (MODEL_DIR / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    license=META.get("license"),
    python_requires=">=3.10",
    packages=[NAME],
    install_requires=[f"spacy{META['spacy_version']}", *META.get("requirements", [])],
    cmdclass={"build_py": BuildWithModel},
    zip_safe=False,
)
