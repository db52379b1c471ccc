"""SAC against Stable-Baselines3, side by side on this machine: gradient updates/s and end-to-end steps/s while learning.

Both libraries get the same problem: reacher-easy from `state`, 1000-step episodes, actor and critics 256-64, batch
256, one gradient update per environment step, Adam 3e-4, gamma 0.99, tau 0.005, initial temperature 0.1 tuned
towards -|A|. They run in this process, with the same malloc setting (`sac.keep_freed_memory`, which our agent
sets; set here first, so SB3 has it too):

  1. updates/s on one thread (`torch.set_num_threads(1)`): each library's own update, on a replay buffer filled
     with `--fill` random steps; SB3 `model.train(gradient_steps=N)`; ours `SAC.update(buffer.sample(...))`, as
     `SACRun.learn` calls it, in three forms: the written-out update eager (`backward='manual'`, `compile=False`),
     the same compiled (`compile=True`; `compile=None` compiles a CPU run of >= 10k updates), and the autograd update
     (`backward='autograd'`, the code before). After 50 untimed updates each (compiling included), `--rounds`
     rounds time `--updates / rounds` updates of each library in turn; a figure is the median over rounds, so that
     a slow spell of this shared machine hits all of them alike.
  2. end-to-end steps/s while learning, default threads: `--steps` environment steps with learning, after
     `--learning-starts` steps of random actions (not timed). SB3: `model.learn` (one environment, in process, its
     usual setup), run before ours and again after them, the faster of the two kept; ours: `train_sac` with 1, 4
     and 8 environments (worker processes, acting overlapped with learning), compiled, and with 4 environments
     eager, without overlap, and with the autograd update. Ours is timed from `--warm` steps after learning starts
     (the first update compiles) to the end, evaluations excluded.

    .venv/bin/python scripts/bench_sac_vs_sb3.py                  # in `make bench`; figures to results/bench/
"""
import argparse, time
import numpy as np
import torch
from vjepa_policy.core import write_json, provenance
from vjepa_policy.encoders import make_encoder
from vjepa_policy.sac import SAC, SACConfig, ReplayBuffer, train_sac, keep_freed_memory

TASK, HIDDEN, BATCH, EPISODE = 'reacher-easy', (256, 64), 256, 1000
FORMS = dict(ours=dict(backward='manual', compile=False), ours_compiled=dict(backward='manual', compile=True),
             ours_autograd=dict(backward='autograd', compile=False))


def sb3_model(learning_starts, buffer_size, seed=0):
    from stable_baselines3 import SAC as SB3SAC
    from vjepa_policy.gym_env import EmbeddingEnv
    env = EmbeddingEnv(TASK, 'state', episode_len=EPISODE)
    return SB3SAC('MlpPolicy', env, learning_rate=3e-4, buffer_size=buffer_size, learning_starts=learning_starts,
                  batch_size=BATCH, tau=0.005, gamma=0.99, train_freq=1, gradient_steps=1, ent_coef='auto_0.1',
                  policy_kwargs=dict(net_arch=list(HIDDEN)), device='cpu', seed=seed, verbose=0)


def ours_config(**kw):
    base = dict(conditions=['state'], seeds=[0], total_steps=1, n_envs=1, buffer_size=10_000, learning_starts=1,
                episode_len=EPISODE, eval_every=10**9, eval_episodes=1, checkpoint_every=10**9, batch_size=BATCH, hidden=HIDDEN)
    return SACConfig(**{**base, **kw})


def matmul_gflops(n=2000) -> float:
    "This CPU's fp32 matmul rate on one thread, on the update's largest product (256 x 256 @ 256 x 64)."
    a, b = torch.randn(256, 256), torch.randn(256, 64)
    for _ in range(100): a @ b
    t = time.perf_counter()
    for _ in range(n): a @ b
    return 2 * 256 * 256 * 64 * n / (time.perf_counter() - t) / 1e9


def profile_update(agent, buf, n=100) -> dict:
    "Where one update's time goes (torch.profiler, self CPU time per op), and its FLOPs (torch's FlopCounterMode)."
    from torch.profiler import profile
    from torch.utils.flop_counter import FlopCounterMode
    g = torch.Generator().manual_seed(1)
    with FlopCounterMode(display=False) as fc: agent.update(buf.sample(BATCH, g))
    with profile() as p:
        for _ in range(n): agent.update(buf.sample(BATCH, g))
    ops = sorted(p.key_averages(), key=lambda e: -e.self_cpu_time_total)
    total = sum(e.self_cpu_time_total for e in ops)
    mm = sum(e.self_cpu_time_total for e in ops if e.key in ('aten::mm', 'aten::addmm', 'aten::bmm', 'aten::baddbmm'))
    return dict(flops=int(fc.get_total_flops()), ms_per_update_profiled=total / n / 1000, matmul_ms=mm / n / 1000,
                top=[dict(op=e.key, ms_per_update=e.self_cpu_time_total / n / 1000, calls_per_update=e.count / n) for e in ops[:10]])


def filled_buffer(fill):
    "Our replay buffer with `fill` steps of random actions (the same kind of buffer as SB3's)."
    from vjepa_policy.envs import VectorEnv
    with VectorEnv(TASK, 1, render=False, episode_len=EPISODE) as venv:
        enc = make_encoder('state'); enc.bind(TASK, venv.obs_keys)
        obs_dim, act_dim = enc.dim, venv.action_dim
        buf = ReplayBuffer(max(fill, 10_000), 1, obs_dim, act_dim)
        rng = np.random.default_rng(0)
        v = venv.reset([0]); buf.put_obs(enc(obs=v.obs))
        for _ in range(fill):
            a = rng.uniform(-1, 1, (1, act_dim)); v = venv.step(a)
            buf.put_step(a, v.reward); buf.put_obs(enc(obs=v.obs))
            if v.done.all(): buf.end_episode(); v = venv.reset([0]); buf.put_obs(enc(obs=v.obs))
    return buf, obs_dim, act_dim


def updates_per_s(fill, n, rounds, profiled) -> tuple[dict, dict]:
    "Median updates/s over `rounds` rounds of each library's update in turn, and every round's figure."
    m = sb3_model(fill, max(fill, 10_000))
    m.learn(fill)                                          # random actions only: fills the buffer
    buf, obs_dim, act_dim = filled_buffer(fill)
    g = torch.Generator().manual_seed(0)
    agents = {k: SAC(obs_dim, act_dim, ours_config(**kw)) for k, kw in FORMS.items()}
    timed = dict(sb3=lambda k: m.train(gradient_steps=k, batch_size=BATCH))
    for name, agent in agents.items():
        timed[name] = lambda k, agent=agent: [agent.update(buf.sample(BATCH, g)) for _ in range(k)][-1][0].item()
    for f in timed.values(): f(50)                         # warm-up (compiling included)
    per = max(1, n // rounds)
    runs = {k: [] for k in timed}
    for _ in range(rounds):
        for k, f in timed.items():
            t = time.perf_counter(); f(per); runs[k].append(per / (time.perf_counter() - t))
    profiled.update(profile_update(agents['ours'], buf))
    return {k: float(np.median(v)) for k, v in runs.items()}, runs


def sb3_learning(learning_starts, steps):
    m = sb3_model(learning_starts, learning_starts + steps)
    m.learn(learning_starts)
    t = time.perf_counter(); m.learn(steps, reset_num_timesteps=False)
    return steps / (time.perf_counter() - t)


def ours_learning(learning_starts, steps, warm, n_envs, **kw):
    "Steps/s and updates/s while learning, from `warm` steps after learning starts to the end, evaluations excluded."
    cfg = ours_config(total_steps=learning_starts + steps, n_envs=n_envs, buffer_size=learning_starts + steps,
                      learning_starts=learning_starts, eval_every=warm, **kw)
    curve = train_sac(TASK, make_encoder('state'), cfg, progress=False)
    a, b = next(r for r in curve if r['step'] == learning_starts + warm), curve[-1]
    assert b['step'] == cfg.total_steps, (b['step'], cfg.total_steps)
    wall = (b['seconds'] - a['seconds']) - (b['time_eval'] - a['time_eval'])
    return (b['step'] - a['step']) / wall, (b['updates'] - a['updates']) / (b['time_update'] - a['time_update'])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--fill', type=int, default=5000, help='random steps in the buffer before the update benchmark')
    ap.add_argument('--updates', type=int, default=1500, help='updates timed per library and form (one thread), over all rounds')
    ap.add_argument('--rounds', type=int, default=5, help='rounds of the one-thread comparison (the median is reported)')
    ap.add_argument('--learning-starts', type=int, default=2000)
    ap.add_argument('--steps', type=int, default=4000, help='environment steps with learning per run')
    ap.add_argument('--warm', type=int, default=1000, help='steps after learning starts that ours does not time (compiling)')
    ap.add_argument('--out', default='results/bench/sac-vs-sb3-cpu.json')
    a = ap.parse_args()
    if a.learning_starts % 8 or a.steps % 8 or a.warm % 8 or not 0 < a.warm < a.steps or a.steps % a.warm or a.learning_starts % a.warm:
        ap.error("--learning-starts, --steps and --warm must be multiples of 8 (runs of 1, 4 and 8 environments all "
                 "evaluate at them), and --warm a divisor of --steps (smaller) and of --learning-starts.")
    import stable_baselines3
    malloc = keep_freed_memory()
    threads = torch.get_num_threads()
    print(f"SAC vs Stable-Baselines3 {stable_baselines3.__version__} on cpu ({threads} threads by default): {TASK} from state, "
          f"networks {HIDDEN}, batch {BATCH}, 1 update per step, {EPISODE}-step episodes; freed memory kept: {malloc}", flush=True)
    torch.set_num_threads(1)
    prof = {}
    upd, rounds = updates_per_s(a.fill, a.updates, a.rounds, prof)
    gflops = matmul_gflops()
    torch.set_num_threads(threads)
    for k, v in upd.items(): print(f"  updates/s, one thread     {k:20s} {v:7.1f}   ({v / upd['sb3']:.2f}x SB3)", flush=True)
    floor = prof['flops'] / gflops / 1e6
    prof.update(matmul_gflops_one_thread=gflops, floor_ms=floor, floor_updates_per_s=1000 / floor)
    print(f"  where ours (eager) goes (one thread, profiled): {prof['flops'] / 1e6:.0f} MFLOP an update; matrix products "
          f"{prof['matmul_ms']:.2f} of {prof['ms_per_update_profiled']:.2f} ms; at this core's {gflops:.0f} GFLOP/s the products "
          f"alone need {floor:.2f} ms: at most {1000 / floor:.0f} updates/s ({1000 / floor / upd['sb3']:.2f}x SB3)")
    for x in prof['top'][:6]: print(f"      {x['op']:28s} {x['ms_per_update']:.3f} ms  ({x['calls_per_update']:.0f} calls)")
    sb3_runs = [sb3_learning(a.learning_starts, a.steps)]   # SB3 before ours and after (its faster run is the baseline)
    e2e, upd_learning = {}, {}
    runs = dict(ours_1env=dict(n_envs=1, compile=True), ours_4env=dict(n_envs=4, compile=True), ours_8env=dict(n_envs=8, compile=True),
                ours_4env_eager=dict(n_envs=4, compile=False), ours_4env_no_overlap=dict(n_envs=4, compile=True, overlap=False),
                ours_4env_autograd=dict(n_envs=4, backward='autograd', compile=False))
    for k, kw in runs.items(): e2e[k], upd_learning[k] = ours_learning(a.learning_starts, a.steps, a.warm, **kw)
    sb3_runs.append(sb3_learning(a.learning_starts, a.steps))
    e2e = dict(sb3=max(sb3_runs), **e2e)
    for k, v in e2e.items():
        print(f"  steps/s while learning    {k:20s} {v:7.1f}   ({v / e2e['sb3']:.2f}x SB3)", flush=True)
    ratios = dict(updates_one_thread=upd['ours_compiled'] / upd['sb3'], updates_one_thread_eager=upd['ours'] / upd['sb3'],
                  updates_one_thread_autograd=upd['ours_autograd'] / upd['sb3'],
                  end_to_end_1env=e2e['ours_1env'] / e2e['sb3'], end_to_end_4env=e2e['ours_4env'] / e2e['sb3'],
                  end_to_end_4env_eager=e2e['ours_4env_eager'] / e2e['sb3'])
    targets = dict(updates_one_thread=3.0, end_to_end_4env=2.0)     # compiled: the form `compile=None` gives a long CPU run
    for k, t in targets.items(): print(f"  target {k}: >= {t}x, measured {ratios[k]:.2f}x: {'met' if ratios[k] >= t else 'NOT met'}")
    print(f"  eager (SACConfig.compile=False; a short run's or a GPU's default): updates {ratios['updates_one_thread_eager']:.2f}x, "
          f"end to end with 4 envs {ratios['end_to_end_4env_eager']:.2f}x")
    write_json(a.out, dict(device=f'cpu ({threads} threads)', task=TASK, hidden=HIDDEN, batch_size=BATCH, episode_len=EPISODE,
                           args=vars(a), forms=FORMS, keep_freed_memory=malloc, updates_per_s_one_thread=upd,
                           updates_per_s_one_thread_rounds=rounds, steps_per_s_while_learning=e2e, end_to_end_runs=runs,
                           sb3_steps_per_s_while_learning_runs=sb3_runs,
                           profile=prof, updates_per_s_while_learning=upd_learning, ratios=ratios, targets=targets,
                           sb3_version=stable_baselines3.__version__, provenance=provenance()))
    print(f"  figures written to {a.out}")


if __name__ == '__main__':
    main()
