"""The package and its model as a user installs them: wheels, a plain non-editable install, any directory.

The fast tests check how ``pipeline.load()`` finds the default model (an installed model
package first, a checkout's ``models/`` after). The slow one builds both wheels, installs them
into a fresh venv and uses them from an empty directory, as the README's install does.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import time
import warnings
from pathlib import Path

import pytest

from pipeline.runners import loading

ROOT = Path(__file__).resolve().parent.parent
MODEL = loading.DEFAULT_MODEL
#: a sentence like the seed article's: a firm, the program it took part in, the prize it won
SENTENCE = "NHC미디어는 한국콘텐츠진흥원의 클러스터사업에 참여해 한국콘텐츠진흥원장상을 수상했다."


def _fake_model_package(root: Path, version: str = "9.9.9") -> Path:
    """A model package laid out as ``spacy package`` does, with a stub pipeline directory."""
    package = root / MODEL
    data = package / f"ko_kiwi_{MODEL}-{version}"
    data.mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('found, never imported')\n", encoding="utf-8")
    (package / "meta.json").write_text(json.dumps({"lang": "ko_kiwi", "name": MODEL, "version": version}), encoding="utf-8")
    (data / "config.cfg").write_text("", encoding="utf-8")
    return data


def test_an_installed_model_package_comes_before_the_checkout(tmp_path, monkeypatch):
    data = _fake_model_package(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert loading.installed_model_path(MODEL) == data
    assert loading.default_model_path() == data
    assert loading.resolve(None) == data and loading.resolve(MODEL) == data
    assert MODEL not in sys.modules  # found without importing it (its __init__ would raise)


def test_without_a_model_package_the_checkout_model_is_used(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", [p for p in sys.path if not (Path(p or ".") / MODEL / "meta.json").exists()])
    importlib.invalidate_caches()
    if loading.installed_model_path(MODEL) is not None:
        pytest.skip("ko_econ_default is installed in this environment")
    assert loading.default_model_path() == loading.MODELS_DIR / MODEL
    assert loading.resolve(MODEL) == loading.MODELS_DIR / MODEL


def test_a_package_without_its_pipeline_directory_is_not_a_model(tmp_path, monkeypatch):
    data = _fake_model_package(tmp_path)
    (data / "config.cfg").unlink()
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert loading.installed_model_path(MODEL) is None
    assert loading.installed_model_path("models/ko_econ_default") is None  # a path is not a package name
    assert loading.installed_model_path("os.path") is None  # nor is a dotted name


def test_an_installed_model_other_than_the_checkouts_is_loaded_with_a_warning(tmp_path, monkeypatch):
    """After retraining into models/, the installed copy would otherwise be served without a word."""
    data = _fake_model_package(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    with pytest.warns(UserWarning, match="differs from"):
        loading._warn_if_checkout_differs(data)
    shutil.rmtree(data)
    shutil.copytree(loading.MODELS_DIR / MODEL, data)  # the same model: installed from this checkout
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loading._warn_if_checkout_differs(data)


def test_a_missing_model_names_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(loading, "installed_model_path", lambda name: None)
    with pytest.raises(FileNotFoundError, match=r"pip install \./packages/ko_econ_default"):
        loading.resolve(None)


def _copy_sources(dest: Path) -> Path:
    """What the wheels are built from, copied: setuptools builds in place and reuses ``build/``,
    where a module deleted from the source would still be packaged; a copy also leaves the
    checkout untouched."""
    junk = shutil.ignore_patterns("__pycache__", "build", "*.egg-info", "dist")
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("pipeline", f"packages/{MODEL}", f"models/{MODEL}"):
        shutil.copytree(ROOT / name, dest / name, ignore=junk)
    return dest


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))}\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return done


@pytest.mark.slow
def test_wheels_install_and_work_from_any_directory(tmp_path, data_dir):
    pytest.importorskip("setuptools", reason="building the wheels offline needs setuptools: pip install -e '.[dev]'")
    started = time.time()
    src = _copy_sources(tmp_path / "src")
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    # offline: no build isolation (it would download setuptools), no index
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--no-cache-dir", "-w", wheels, src, src / "packages" / MODEL])
    built = sorted(p.name for p in wheels.glob("*.whl"))
    assert [n.split("-")[0] for n in built] == ["econ_facts", MODEL], built

    # A fresh venv without pip; the current environment's dependencies (spaCy, Kiwi, pyarrow …)
    # reach it through a .pth file, appended after its own site-packages, so the wheels'
    # packages come first (`--system-site-packages` would show the base Python's, not a venv's)
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # the wheels first, the .pth after: a pip that could already see the outer environment would
    # take a model package installed there (the README's quick start installs one) as satisfied
    _run([*pip, "--python", python, "install", "--no-deps", "--no-index", *sorted(wheels.glob("*.whl"))])
    (purelib / "_outer_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    empty = tmp_path / "empty"
    empty.mkdir()
    home = tmp_path / "data-home"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ECON_FACTS_DATA_HOME")}
    env.update(ECON_FACTS_DATA_HOME=str(home), ECON_FACTS_DATA=str(data_dir), ECON_FACTS_CORPORA=str(ROOT / "corpora"))
    env.setdefault("OMP_NUM_THREADS", "1")
    script = textwrap.dedent(
        f"""
        import json, spacy
        nlp = spacy.load({MODEL!r})
        doc = nlp({SENTENCE!r})
        import ko_econ_default, pipeline
        from pipeline import corpora
        from pipeline.corpora import econ
        print(json.dumps({{
            "pipeline": pipeline.__file__, "model_package": ko_econ_default.__file__,
            "spacy_load_path": str(nlp.path), "pipeline_load_path": str(pipeline.load().path),
            "econ": sorted({{s.label_ for s in doc.spans["econ"]}}),
            "dev": len(corpora.records("econ", "dev")), "built": str(econ.built_dir()),
        }}))
        """
    )
    got = json.loads(_run([python, "-c", script], cwd=empty, env=env).stdout.strip().splitlines()[-1])
    site = purelib.resolve()
    assert Path(got["pipeline"]).resolve().is_relative_to(site), got  # the wheel's code, not the checkout's
    assert Path(got["model_package"]).resolve().is_relative_to(site), got
    assert Path(got["spacy_load_path"]) == Path(got["pipeline_load_path"]), got  # pipeline.load() is the installed model
    assert Path(got["pipeline_load_path"]).resolve().is_relative_to(site / MODEL), got
    assert {"COMPANY", "PROGRAM"} <= set(got["econ"]), got
    assert got["dev"] > 0 and Path(got["built"]).resolve().is_relative_to(home.resolve()), got
    assert sorted(p.name for p in Path(got["built"]).iterdir()) == ["dev.jsonl", "test.jsonl", "train.jsonl"]
    assert list(empty.iterdir()) == []  # nothing written where it ran

    # the README's main job, by the installed command
    out = tmp_path / "out.jsonl"
    _run([python, "-m", "pipeline", "annotate", ROOT / "examples" / "news.jsonl", "-o", out], cwd=empty, env=env)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert records and any(r["triples"] for r in records)
    assert not any(site.rglob("*.jsonl")), "something was written into the install"
    print(f"wheel test: {time.time() - started:.0f} s")
