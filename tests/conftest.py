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


@pytest.fixture(scope='session')
def tiny(tmp_path_factory) -> Path:
    "A tiny reacher-easy demonstration dataset (3 episodes of 10 steps, 64x64 frames), made once per session."
    from vjepa_policy.core import stage_settings
    from vjepa_policy.demos import generate_demos
    path = tmp_path_factory.mktemp('demos')/'tiny'
    generate_demos(stage_settings('demos', 'smoke', dict(episodes=3, episode_len=10, size=64, workers=1), task='reacher-easy'),
                   path, progress=False)
    return path
