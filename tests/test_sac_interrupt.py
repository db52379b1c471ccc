"""A SAC run killed without warning (SIGKILL of its process group) resumes from its last checkpoint and ends
exactly as a run that was never interrupted."""
import os, signal, subprocess, sys, time
import torch
from vjepa_policy.encoders import make_encoder
from vjepa_policy.sac import SACConfig, train_sac

CFG = dict(conditions=['state'], seeds=[0], total_steps=2000, n_envs=4, buffer_size=20_000, learning_starts=400, episode_len=50,
           eval_every=1000, eval_episodes=4, batch_size=32, checkpoint_every=200)
SCRIPT = ("import sys; from vjepa_policy.sac import SACConfig, train_sac; from vjepa_policy.encoders import make_encoder; "
          f"train_sac('reacher-easy', make_encoder('state'), SACConfig(**{CFG!r}), run_dir=sys.argv[1], progress=False)")


def test_killed_sac_run_resumes_identically(tmp_path):
    run = tmp_path/'killed'
    p = subprocess.Popen([sys.executable, '-c', SCRIPT, str(run)], start_new_session=True)
    deadline = time.time() + 300
    while not (run/'checkpoint.pt').exists() and time.time() < deadline and p.poll() is None: time.sleep(0.05)
    time.sleep(1.0)                                   # let it run past the checkpoint: work to lose and redo
    os.killpg(p.pid, signal.SIGKILL); p.wait()
    assert (run/'checkpoint.pt').exists() and not (run/'curve.json').exists(), "the kill must land mid-run"
    at = torch.load(run/'checkpoint.pt', weights_only=False)['steps']

    events = []
    got = train_sac('reacher-easy', make_encoder('state'), SACConfig(**CFG), run_dir=run, progress=False, log=events.append)
    assert {'resumed': at} in events and 0 < at < CFG['total_steps']
    ref = train_sac('reacher-easy', make_encoder('state'), SACConfig(**CFG), run_dir=tmp_path/'ref', progress=False)
    keep = lambda c: [(r['step'], r['returns'], r['loss_qf1_loss'], r['loss_alpha'], r['updates']) for r in c]
    assert keep(got) == keep(ref)
    a, b = (torch.load(d/'agent.pt', weights_only=False)['agent']['actor'] for d in (run, tmp_path/'ref'))
    assert all(torch.equal(a[k], b[k]) for k in a)
