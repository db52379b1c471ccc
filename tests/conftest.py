import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault('MUJOCO_GL', 'egl')


@pytest.fixture(scope='session')
def root() -> Path:
    return ROOT


@pytest.fixture(scope='session')
def python() -> str:
    "The interpreter running the tests (the project's .venv under `make test`)."
    return sys.executable
