"""The correctness anchor of phase 2: SAC on `state`, reacher-easy, 1000-step episodes (DMC standard).

Published state-SAC level (CURL's table): 746 +- 25 at 100k steps, 923 +- 24 at 500k. This script runs our
SAC (the plan's small networks, action repeat 1, one update per environment step) for each seed and prints
the evaluation return against environment steps; figures go to a JSON file.

    .venv/bin/python scripts/sac_state_anchor.py --seeds 0 1 2 3 4 --steps 100000 --eval-episodes 10 --threads 1 \
        --run-dir runs/anchor100k     # the committed results/sac/state-anchor.json
    .venv/bin/python scripts/sac_state_anchor.py --seeds 0 --steps 500000 --eval-every 50000 --eval-episodes 10 \
        --run-dir runs/anchor --out results/sac/state-anchor-500k.json     # resumable: run it again after a stop
"""
import argparse
import torch
from vjepa_policy.core import write_json, provenance
from vjepa_policy.encoders import make_encoder
from vjepa_policy.sac import SACConfig, train_sac


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--steps', type=int, default=100_000)
    ap.add_argument('--n-envs', type=int, default=4)
    ap.add_argument('--eval-every', type=int, default=20_000)
    ap.add_argument('--eval-episodes', type=int, default=5)
    ap.add_argument('--checkpoint-every', type=int, default=50_000, help='environment steps between checkpoints (with --run-dir)')
    ap.add_argument('--out', default='results/sac/state-anchor.json')
    ap.add_argument('--run-dir', default=None, help='checkpoint folder (one sub-folder per seed): an interrupted run resumes')
    ap.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's own)")
    ap.add_argument('--compile', choices=('auto', 'true', 'false'), default='auto',
                    help='torch.compile the update (auto: SACConfig.compile=None, compiled on a CPU with a C++ compiler)')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    runs = {}
    for s in a.seeds:
        cfg = SACConfig(conditions=['state'], seeds=[s], total_steps=a.steps, n_envs=a.n_envs, buffer_size=max(a.steps, 10_000),
                        learning_starts=5_000, episode_len=1000, eval_every=a.eval_every, eval_episodes=a.eval_episodes,
                        checkpoint_every=a.checkpoint_every, seed=s, compile=dict(auto=None, true=True, false=False)[a.compile])
        log = lambda r: print(f"seed {r['seed']} step {r['step']:7d}  eval return {r['mean_return']:7.1f}  "
                              f"success {r['success_rate']:.0%}  alpha {r.get('loss_alpha', float('nan')):.4f}  {r['step'] / r['seconds']:.0f} steps/s", flush=True) \
            if 'step' in r else None
        runs[s] = train_sac('reacher-easy', make_encoder('state'), cfg, progress=False, log=log,
                            run_dir=f"{a.run_dir}/seed{s}" if a.run_dir else None)
        write_json(a.out, dict(task='reacher-easy', condition='state', episode_len=1000, config=vars(a), runs=runs,
                               torch_threads=torch.get_num_threads(),
                               reference='CURL state SAC: 746 +- 25 at 100k steps, 923 +- 24 at 500k', provenance=provenance()))
    finals = [c[-1]['mean_return'] for c in runs.values()]
    print(f"final evaluation returns at {a.steps} steps: {[round(f, 1) for f in finals]} "
          "(published state SAC: 746 +- 25 at 100k, 923 +- 24 at 500k)")


if __name__ == '__main__':
    main()
