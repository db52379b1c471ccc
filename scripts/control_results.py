"""The positive control's figures from a finished run folder: the small V-JEPA 2 trained on the task's own video
(`vjepa2-small-jepa`) against its random-weight twin (`vjepa2-small-random`), noise and state.

    .venv/bin/python scripts/control_results.py runs/control --out results/control/reacher-easy.json

The run folder is made by the `cpu` profile (500 x 200 demonstrations at 256x256, 2000 V-JEPA steps, 5 BC seeds,
100 evaluation episodes each):

    MUJOCO_GL=egl .venv/bin/vjepa-policy run --profile cpu --run-dir runs/control \\
        --stages demos,pretrain,encode,probe,bc,evaluate,report

Everything printed and written is computed from the run's metrics and rollout files:
  - pretraining: wall time, clips/s, final losses and collapse diagnostics;
  - probes: R^2 on held-out demonstration episodes per target and condition;
  - closed-loop BC success per training seed, on the same 100 evaluation episodes for every policy (seeds of the
    `eval` split, disjoint from the demonstrations the encoder was trained on);
  - paired comparisons of the trained encoder with each baseline: the mean over training seeds of the per-seed
    difference with a t 95% interval (training-seed variation), and a paired bootstrap over the evaluation
    episodes (episode variation) for the difference and the ratio;
  - the issue's targets (R^2 >= 0.8 on finger_xy and target_xy; success >= 60% and >= 2x the twin), each as met or not.
"""
import argparse
from pathlib import Path
import numpy as np
from vjepa_policy.core import provenance, read_json, safe_name, write_json
from vjepa_policy.report import collect, paired_difference

A, TWIN = 'vjepa2-small-jepa', 'vjepa2-small-random'
BASELINES = (TWIN, 'noise', 'state')


def episode_success(ev_dir: Path, condition: str, seeds) -> np.ndarray:
    "Per-episode success (seeds x episodes) of `condition`'s policies, read from the evaluation's rollout files."
    out = [read_json(ev_dir/'rollouts'/f"{safe_name(f'{condition}-seed{s}')}.json")['success'] for s in seeds]
    if len({len(x) for x in out}) != 1: raise SystemExit(f"{condition}: the seeds were evaluated on different numbers of episodes")
    return np.asarray(out, float)


def bootstrap(a: np.ndarray, b: np.ndarray, n: int = 10_000, seed: int = 0) -> dict:
    "Paired bootstrap over evaluation episodes (columns) of the seed-mean success: difference and ratio, 95% intervals."
    rng = np.random.default_rng(seed)
    ma, mb = a.mean(0), b.mean(0)                 # per episode: mean over training seeds
    idx = rng.integers(0, len(ma), (n, len(ma)))
    ra, rb = ma[idx].mean(1), mb[idx].mean(1)
    ratio = np.where(rb > 0, ra / np.where(rb > 0, rb, 1), np.inf)
    return dict(difference=float(ma.mean() - mb.mean()), difference_ci95=np.percentile(ra - rb, [2.5, 97.5]).tolist(),
                ratio=float(ma.mean() / mb.mean()) if mb.mean() > 0 else None,
                ratio_ci95=np.percentile(ratio, [2.5, 97.5]).tolist(), resamples=n)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('run_dir'); ap.add_argument('--task', default='reacher-easy')
    ap.add_argument('--out', default='results/control/reacher-easy.json')
    ap.add_argument('--note', default='', help='what the figures cannot say themselves (e.g. other jobs sharing the cores)')
    a = ap.parse_args()
    run, task = Path(a.run_dir), a.task
    rows = collect(run)
    pick = lambda stage, **kw: [r for r in rows.get(stage, []) if r['task'] == task and all(r.get(k) == v for k, v in kw.items())]
    pre = pick('pretrain', kind='summary')
    if not pre: raise SystemExit(f"No pretrain summary under {run}/{task}: run the cpu profile's pretrain stage first.")
    pre = pre[0]
    curve = pick('pretrain', kind='curve')
    demos = pick('demos')[0] if pick('demos') else {}
    ev = pick('evaluate')
    if not any(r['condition'] == A for r in ev): raise SystemExit(f"No evaluation of {A} under {run}/{task}: finish the run first.")
    seeds = sorted(r['seed'] for r in ev if r['condition'] == A and r['seed'] != 'all')
    probe = {(r['condition'], r['target']): r['r2'] for r in pick('probe')}
    conds = (A,) + BASELINES
    ev_dir = run/task/'evaluate'
    success = {c: episode_success(ev_dir, c, seeds) for c in conds}
    per_seed = {c: {str(r['seed']): r['success_rate'] for r in ev if r['condition'] == c and r['seed'] != 'all'} for c in conds}
    pooled = {c: next(dict(success_rate=r['success_rate'], ci95=r['success_ci95'], episodes=r['episodes'])
                      for r in ev if r['condition'] == c and r['seed'] == 'all') for c in conds}
    bounds = {r['condition']: r['success_rate'] for r in ev if r['condition'] in ('random', 'expert:jacobian')}
    comparisons = []
    for x, b in [(A, b) for b in BASELINES] + [(TWIN, 'noise')]:
        p = paired_difference(ev, x, b, task=task)
        comparisons.append(dict(a=x, b=b, seeds=p['seeds'], mean_a=p['mean_a'], mean_b=p['mean_b'],
                                seed_t=dict(difference=p['difference'], ci95=p['ci95']),
                                episode_bootstrap=bootstrap(success[x], success[b])))
    twin = comparisons[0]
    targets = {
        'probe R2 finger_xy >= 0.8': dict(measured=probe.get((A, 'finger_xy')), met=bool(probe.get((A, 'finger_xy'), 0) >= 0.8)),
        'probe R2 target_xy >= 0.8': dict(measured=probe.get((A, 'target_xy')), met=bool(probe.get((A, 'target_xy'), 0) >= 0.8)),
        'BC success >= 60%': dict(measured=pooled[A]['success_rate'], met=bool(pooled[A]['success_rate'] >= 0.6)),
        'BC success >= 2x the random-weight twin': dict(measured=twin['episode_bootstrap']['ratio'],
                                                        met=bool((twin['episode_bootstrap']['ratio'] or 0) >= 2)),
        'pretraining <= 45 min on 2 cores': dict(measured=pre['seconds'] / 60, met=bool(pre['seconds'] <= 45 * 60)),
    }
    out = dict(task=task, run_dir=str(run), demos={k: demos.get(k) for k in ('episodes', 'episode_len', 'size', 'expert_success_rate')},
               pretrain=dict({k: pre[k] for k in ('steps', 'batch_size', 'seconds', 'clips_per_second', 'final_loss', 'val_loss',
                                                  'eff_rank', 'std_mean', 'std_min', 'params', 'device')},
                             eff_rank_first=curve[0]['eff_rank'] if curve else None, val_loss_first=curve[0]['val_loss'] if curve else None),
               probe={c: {t: v for (cc, t), v in probe.items() if cc == c} for c in conds},
               success_per_seed=per_seed, success_pooled=pooled, bounds=bounds, comparisons=comparisons, targets=targets,
               note=a.note, provenance=provenance())
    write_json(a.out, out)
    print(f"pretrain: {pre['steps']} steps in {pre['seconds'] / 60:.1f} min ({pre['clips_per_second']:.1f} clips/s); "
          f"held-out loss {out['pretrain']['val_loss_first']:.3f} -> {pre['val_loss']:.3f}; eff. rank {pre['eff_rank']:.1f}")
    print('probe R2 ' + '; '.join(f"{c}: " + ', '.join(f"{t} {v:.2f}" for t, v in out['probe'][c].items()) for c in conds))
    print('success (100 episodes x seeds) ' + '; '.join(f"{c} {pooled[c]['success_rate']:.3f}" for c in conds) +
          '; ' + '; '.join(f"{k} {v:.2f}" for k, v in bounds.items()))
    for c in comparisons:
        t, bs = c['seed_t'], c['episode_bootstrap']
        print(f"{c['a']} - {c['b']}: {t['difference']:+.3f} (seeds t95 {t['ci95'][0]:+.3f}..{t['ci95'][1]:+.3f}; "
              f"episodes {bs['difference_ci95'][0]:+.3f}..{bs['difference_ci95'][1]:+.3f}); ratio "
              + (f"{bs['ratio']:.2f} ({bs['ratio_ci95'][0]:.2f}..{bs['ratio_ci95'][1]:.2f})" if bs['ratio'] else 'n/a'))
    for k, v in targets.items(): print(f"target {k}: {'MET' if v['met'] else 'not met'} ({v['measured']})")
    print(f"written: {a.out}")


if __name__ == '__main__':
    main()
