"""SAC speed: environment steps/s and gradient updates/s for `state`, `pixels` and a transformer encoder.

Each condition runs `train_sac` twice, and the figures come from the run's own timers:
  1. acting: `--act-steps` environment steps with random actions, no learning (stepping, rendering, encoding);
  2. learning: `--warm` steps with learning from the first step, not timed (the first update compiles), then
     `--learn-steps` timed steps (`--pixels-learn-steps` for `pixels`, whose CNN update takes seconds on a CPU,
     timed from the first step), `--utd` updates per environment step, the update compiled on the CPU (as
     `compile=None` compiles a long run's; `--compile`).
Printed: acting steps/s, gradient updates/s (batch `--batch-size`), and end-to-end steps/s while learning
(acting plus updates; start-up and evaluations excluded). The encoder runs once per step for all `--n-envs` environments.

    .venv/bin/python scripts/bench_sac.py        # CPU: state, pixels, vjepa2-tiny-random, vjepa2-small-random, 8 envs
    .venv/bin/python scripts/bench_sac.py --conditions state vjepa2-tiny-random --backward autograd \
        --out results/bench/sac-cpu-autograd.json   # the autograd update, for a same-machine comparison
    python scripts/bench_sac.py --device cuda --n-envs 32 --conditions state pixels vjepa2-random \
        --out results/bench/sac-cuda.json        # on a GPU: ViT-L at 8x256x256 (random weights, same compute)
"""
import argparse, time
import torch
from vjepa_policy.core import write_json, provenance
from vjepa_policy.sac import SACConfig, train_sac, sac_encoder


def run(cond, device, n_envs, steps, learning, utd, batch, episode_len, overlap=True, warm=0, compile=None, backward='manual'):
    "The last record of a run (with `warm` untimed steps first: the record at `warm` is subtracted), and its wall seconds."
    total = warm + steps
    cfg = SACConfig(conditions=[cond], seeds=[0], total_steps=total, n_envs=n_envs, buffer_size=max(20_000, 4 * total),
                    batch_size=batch, learning_starts=n_envs if learning else 10 * total, updates_per_step=utd,
                    episode_len=episode_len, eval_every=warm or 10 * total, eval_episodes=1, checkpoint_every=10 * total,
                    overlap=overlap, compile=compile, backward=backward)
    t0 = time.perf_counter()
    curve = train_sac('reacher-easy', sac_encoder(cond, device=device), cfg, device=device, progress=False)
    r = curve[-1]
    if warm:
        w = next(x for x in curve if x['step'] == warm)
        r = {k: r[k] - w[k] if k in ('step', 'updates') or k.startswith('time_') else r[k] for k in r}
    return r, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--conditions', nargs='+', default=['state', 'pixels', 'vjepa2-tiny-random', 'vjepa2-small-random'])
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--n-envs', type=int, default=8)
    ap.add_argument('--act-steps', type=int, default=1600)
    ap.add_argument('--learn-steps', type=int, default=800)
    ap.add_argument('--pixels-learn-steps', type=int, default=80)
    ap.add_argument('--warm', type=int, default=160, help='learning steps before the timed ones (not timed: compiling)')
    ap.add_argument('--backward', choices=('manual', 'autograd'), default='manual', help="the update's form (SACConfig.backward)")
    ap.add_argument('--compile', choices=('default', 'true', 'false'), default='default',
                    help="compile the update; default: on the CPU (as compile=None does for a run of >= 10k updates), eager on a GPU "
                         "(pixels never compile)")
    ap.add_argument('--utd', type=float, default=1.0)
    ap.add_argument('--batch-size', type=int, default=256)
    ap.add_argument('--episode-len', type=int, default=200)
    ap.add_argument('--no-overlap', action='store_true', help='step the environments, then learn (SACConfig.overlap=False)')
    ap.add_argument('--out', default='results/bench/sac-cpu.json', help='JSON file of the figures (with their provenance)')
    a = ap.parse_args()
    if a.warm % a.n_envs or a.learn_steps % a.n_envs:
        ap.error("--warm and --learn-steps must be multiples of --n-envs (the run evaluates at them).")
    dev = torch.device(a.device)
    compile = dict(true=True, false=False, default=dev.type == 'cpu')[a.compile]
    name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else f'cpu ({torch.get_num_threads()} threads)'
    print(f"SAC speed on {name}: {a.n_envs} envs, batch {a.batch_size}, {a.utd} updates per env step, reacher-easy")
    rows = []
    for c in a.conditions:
        r1, w1 = run(c, a.device, a.n_envs, a.act_steps, False, a.utd, a.batch_size, a.episode_len)
        act_sps = r1['step'] / (r1['time_env'] + r1['time_encode'] + r1['time_act'])
        learn, warm = (a.pixels_learn_steps, 0) if c == 'pixels' else (a.learn_steps, a.warm)
        r2, w2 = run(c, a.device, a.n_envs, learn, True, a.utd, a.batch_size, a.episode_len, not a.no_overlap, warm,
                     None if c == 'pixels' or a.backward == 'autograd' else compile, a.backward)
        row = dict(condition=c, acting_steps_per_s=act_sps, env_steps_per_s=r1['step'] / r1['time_env'],
                   encode_ms_per_step=1000 * r1['time_encode'] / (r1['step'] / a.n_envs),
                   updates_per_s=r2['updates'] / r2['time_update'], updates=r2['updates'],
                   learning_steps_per_s=r2['step'] / sum(r2[f'time_{k}'] for k in ('act', 'env', 'encode', 'update')),
                   wall_seconds=w1 + w2)
        rows.append(row)
        print(f"  {c:20s} acting {act_sps:8.1f} steps/s (env alone {row['env_steps_per_s']:.0f}, encoder "
              f"{row['encode_ms_per_step']:.1f} ms per batched step)   updates {row['updates_per_s']:7.1f}/s   "
              f"end to end while learning {row['learning_steps_per_s']:7.1f} steps/s", flush=True)
    write_json(a.out, dict(device=name, n_envs=a.n_envs, batch_size=a.batch_size, utd=a.utd, act_steps=a.act_steps, overlap=not a.no_overlap,
                           learn_steps=a.learn_steps, backward=a.backward, pixels_learn_steps=a.pixels_learn_steps, warm=a.warm, compile=a.compile,
                           args=vars(a), rows=rows, provenance=provenance()))
    print(f"  figures written to {a.out}")


if __name__ == '__main__':
    main()
