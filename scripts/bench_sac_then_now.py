"""SAC's end-to-end speed now against an earlier commit's, measured on the same machine in one run.

Absolute steps/s drift from day to day on a shared machine (the same code ran 78 and 55 steps/s on two days), so a
speed-up is only meaningful against the earlier code run beside it. This script checks out `--baseline` in a
temporary git worktree and runs *its own* `scripts/bench_sac.py` (its library, its measurement) and then this tree's,
alternating for `--rounds` rounds, and reports the median of each and their ratio. Both get the same conditions,
environments, batch and step counts; only this tree's script has a warm-up window (`--warm`, not timed: the first
update compiles), the baseline's times its steps from the first update on, as it did when its figures were taken.

    .venv/bin/python scripts/bench_sac_then_now.py        # the tiny V-JEPA 2 against b06851b (the 78 steps/s of issue 14)
"""
import argparse, json, os, signal, statistics, subprocess, sys, tempfile
from pathlib import Path
from vjepa_policy.core import write_json, provenance

ROOT = Path(__file__).resolve().parents[1]
BASELINE = 'b06851b'     # the commit whose bench_sac.py measured 78 steps/s for the tiny V-JEPA 2 (2026-11-24)
FIGURES = ('learning_steps_per_s', 'updates_per_s', 'acting_steps_per_s', 'encode_ms_per_step')


def git(*args) -> subprocess.CompletedProcess:
    return subprocess.run(['git', *args], cwd=ROOT, capture_output=True, text=True)


def library(env:dict, tree:Path) -> str:
    "Where `vjepa_policy` is imported from with `env` (the tree's own library, not this one's: checked)."
    r = subprocess.run([sys.executable, '-c', 'import vjepa_policy; print(vjepa_policy.__file__)'], cwd=tree, env=env,
                       capture_output=True, text=True)
    path = r.stdout.strip()
    if r.returncode or not Path(path).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"{tree}'s bench would import vjepa_policy from {path or r.stderr.strip()!r}, not from {tree}.")
    return path


def bench(tree:Path, conditions, common:list, extra:list, out:Path) -> tuple[list[dict], str]:
    "The rows of `tree`'s own bench_sac.py, run with `tree`'s library; and that library's path."
    env = dict(os.environ, PYTHONPATH=str(tree), MUJOCO_GL=os.environ.get('MUJOCO_GL', 'egl'))
    lib = library(env, tree)
    cmd = [sys.executable, str(tree/'scripts'/'bench_sac.py'), '--conditions', *conditions, *common, *extra, '--out', str(out)]
    r = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if r.returncode: raise SystemExit(f"{' '.join(cmd)} failed in {tree}:\n{r.stderr[-3000:]}")
    return json.loads(out.read_text())['rows'], lib


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--baseline', default=BASELINE, help='the earlier commit (any git revision)')
    ap.add_argument('--conditions', nargs='+', default=['vjepa2-tiny-random'])
    ap.add_argument('--rounds', type=int, default=2)
    ap.add_argument('--n-envs', type=int, default=8)
    ap.add_argument('--act-steps', type=int, default=1600)
    ap.add_argument('--learn-steps', type=int, default=800)
    ap.add_argument('--batch-size', type=int, default=256)
    ap.add_argument('--episode-len', type=int, default=200)
    ap.add_argument('--warm', type=int, default=160, help="this tree's untimed learning steps (the baseline's script has none)")
    ap.add_argument('--out', default='results/bench/sac-then-now-cpu.json')
    a = ap.parse_args()
    commit = git('rev-parse', '--verify', f'{a.baseline}^{{commit}}')
    if commit.returncode: raise SystemExit(f"Unknown baseline {a.baseline!r}: give a commit of this repository's history "
                                           f"(a shallow clone may lack it: git fetch --unshallow) ({commit.stderr.strip()}).")
    commit = commit.stdout.strip()
    common = ['--n-envs', str(a.n_envs), '--act-steps', str(a.act_steps), '--learn-steps', str(a.learn_steps),
              '--batch-size', str(a.batch_size), '--episode-len', str(a.episode_len)]
    # this tree times pixels over --pixels-learn-steps; the baseline's script over --learn-steps: the same here
    now_extra = ['--warm', str(a.warm), '--pixels-learn-steps', str(a.learn_steps)]
    rounds, libs = {'then': [], 'now': []}, {}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))            # a killed run still removes its worktree
    git('worktree', 'prune')                                           # entries left by a run killed harder than that
    with tempfile.TemporaryDirectory(prefix='bench-then-') as tmp:
        old = Path(tmp)/'tree'
        r = git('worktree', 'add', '--detach', '-f', str(old), commit)
        if r.returncode: raise SystemExit(f"Could not check out {commit[:7]} in {old}: {r.stderr.strip()}")
        try:
            for i in range(a.rounds):
                for label, tree, extra in (('then', old, []), ('now', ROOT, now_extra)):
                    rows, libs[label] = bench(tree, a.conditions, common, extra, Path(tmp)/f'{label}{i}.json')
                    rounds[label].append({r['condition']: {k: r[k] for k in FIGURES} for r in rows})
                    print(f"round {i + 1} {label:4s} " + '  '.join(f"{c}: {r['learning_steps_per_s']:.1f} steps/s while learning"
                                                           for c, r in rounds[label][-1].items()), flush=True)
        finally:
            if git('worktree', 'remove', '--force', str(old)).returncode: git('worktree', 'prune')
    median = {label: {c: {k: statistics.median(r[c][k] for r in rs) for k in FIGURES} for c in a.conditions}
              for label, rs in rounds.items()}
    ratio = {c: median['now'][c]['learning_steps_per_s'] / median['then'][c]['learning_steps_per_s'] for c in a.conditions}
    for c in a.conditions:
        print(f"{c}: end to end while learning {median['now'][c]['learning_steps_per_s']:.1f} steps/s now, "
              f"{median['then'][c]['learning_steps_per_s']:.1f} at {commit[:7]} (medians of {a.rounds} rounds): {ratio[c]:.2f}x")
    write_json(a.out, dict(baseline=commit, conditions=a.conditions, args=vars(a), libraries=libs, rounds=rounds, median=median,
                           ratio_learning_steps_per_s=ratio, provenance=provenance()))
    print(f"figures written to {a.out}")


if __name__ == '__main__':
    main()
