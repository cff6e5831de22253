from pathlib import Path

import pytest

from pipeline.corpora.sources import default_data_dir

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = default_data_dir()
    if path is None or not path.is_dir():
        pytest.skip("../shared/data is absent: tests on the shared corpora need it (CI has it)")
    return path


@pytest.fixture(scope="session")
def blank_nlp():
    import pipeline

    return pipeline.blank()


@pytest.fixture(scope="session")
def seed_text(data_dir) -> str:
    from pipeline.corpora.sources import read_seed

    return read_seed(data_dir)
