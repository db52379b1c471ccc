"""A generation killed without warning (SIGKILL of the whole process group) loses only the episodes in flight."""
import os, signal, subprocess, sys, time
import numpy as np
import zarr
from vjepa_policy.core import episode_seed
from vjepa_policy.demos import DemoConfig, DemoDataset, generate_demos
from vjepa_policy.envs import Env

CFG = dict(task='reacher-easy', episodes=12, episode_len=150, size=64, expert='jacobian', workers=2)   # ~0.3 s an episode
SCRIPT = ("import sys; from vjepa_policy.demos import DemoConfig, generate_demos; "
          f"generate_demos(DemoConfig(**{CFG!r}), sys.argv[1], progress=False)")


def completed(path):
    try: return int(zarr.open_array(str(path/'complete'), mode='r')[:].sum())
    except Exception: return 0


def test_killed_generation_resumes(tmp_path):
    path = tmp_path/'demos.zarr'
    p = subprocess.Popen([sys.executable, '-c', SCRIPT, str(path)], start_new_session=True)
    deadline = time.time() + 120
    while completed(path) < 3 and time.time() < deadline and p.poll() is None: time.sleep(0.05)
    os.killpg(p.pid, signal.SIGKILL); p.wait()
    before = completed(path)
    assert 3 <= before < CFG['episodes'], f"kill landed at {before} episodes: test needs a mid-run kill"

    st = generate_demos(DemoConfig(**CFG), path, progress=False)
    assert st['reused_episodes'] == before and st['new_episodes'] == CFG['episodes'] - before
    ds = DemoDataset(path)
    assert len(ds) == CFG['episodes']
    env = Env('reacher-easy', size=CFG['size'], episode_len=CFG['episode_len'])
    for e in range(CFG['episodes']):                   # every episode starts where its seed says
        np.testing.assert_array_equal(ds.frames(e)[0], env.reset(episode_seed('demo', 0, e)).frame)
        assert ds.array('actions')[e].any()
