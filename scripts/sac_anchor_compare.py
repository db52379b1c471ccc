"""Are two state-SAC anchor runs (same seeds, same settings, different code) indistinguishable?

Reads two files written by `scripts/sac_state_anchor.py` and compares their evaluation returns seed by seed at
every shared evaluation step, and their final returns (each seed's last evaluation, and the mean of its last two
evaluations, which is less noisy):
  - the paired difference new - old over seeds (mean and 95% t interval: `stats.paired_seeds`; paired t-test
    p-value);
  - an exact permutation test of the difference of means (every split of the pooled seeds' returns);
  - the mean return over all final evaluation episodes, with the t 95% interval over seed means of
    `stats.seed_interval` (each seed evaluates on episodes of its own).
The same seeds do not give the same numbers (a batched matmul rounds differently, and runs diverge chaotically),
so "indistinguishable" means: the differences are within what seed-to-seed variation produces.

    .venv/bin/python scripts/sac_anchor_compare.py results/sac/state-anchor-b90edc3.json results/sac/state-anchor.json \
        --out results/sac/state-anchor-compare.json
"""
import argparse, itertools, json
import numpy as np
from scipy import stats
from vjepa_policy.core import write_json, provenance
from vjepa_policy.stats import paired_seeds, seed_interval


def perm_p(a, b) -> float:
    "Two-sided exact permutation p-value of mean(b) - mean(a) (all splits of the pooled values)."
    pooled, n = np.concatenate([a, b]), len(a)
    obs, count, total = abs(np.mean(b) - np.mean(a)), 0, 0
    for idx in itertools.combinations(range(len(pooled)), n):
        mask = np.zeros(len(pooled), bool); mask[list(idx)] = True
        count += abs(pooled[~mask].mean() - pooled[mask].mean()) >= obs - 1e-12; total += 1
    return count / total


def paired(a, b) -> dict:
    "Seed-paired comparison of returns `a` (old) and `b` (new), one per seed in the same order."
    p = paired_seeds(b, a)
    return dict(old=list(map(float, a)), new=list(map(float, b)), old_mean=p['mean_b'], new_mean=p['mean_a'],
                diff_mean=p['difference'], diff_ci95=p['ci'], paired_t_p=float(stats.ttest_rel(b, a).pvalue),
                permutation_p=perm_p(np.asarray(a), np.asarray(b)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('old'); ap.add_argument('new')
    ap.add_argument('--out', default='results/sac/state-anchor-compare.json')
    a = ap.parse_args()
    old, new = (json.load(open(p))['runs'] for p in (a.old, a.new))
    seeds = sorted(set(old) & set(new), key=int)
    if len(seeds) < 2: raise SystemExit(f"Need at least two shared seeds, found {seeds}.")
    steps = sorted(set.intersection(*({r['step'] for r in runs[s]} for runs in (old, new) for s in seeds)))
    at = lambda runs, s, step: next(r for r in runs[s] if r['step'] == step)
    per_step = {}
    for step in steps:
        o = [at(old, s, step)['mean_return'] for s in seeds]; n = [at(new, s, step)['mean_return'] for s in seeds]
        per_step[step] = paired(o, n)
        p = per_step[step]
        print(f"step {step:7d}  old {p['old_mean']:6.1f}  new {p['new_mean']:6.1f}  new-old {p['diff_mean']:+7.1f} "
              f"[{p['diff_ci95'][0]:+.1f}, {p['diff_ci95'][1]:+.1f}]  paired t p={p['paired_t_p']:.2f}  permutation p={p['permutation_p']:.2f}")
    last2 = lambda runs, s: float(np.mean([r['mean_return'] for r in runs[s][-2:]]))
    final2 = paired([last2(old, s) for s in seeds], [last2(new, s) for s in seeds])
    print(f"mean of the last two evaluations: old {final2['old_mean']:.1f}  new {final2['new_mean']:.1f}  new-old "
          f"{final2['diff_mean']:+.1f} [{final2['diff_ci95'][0]:+.1f}, {final2['diff_ci95'][1]:+.1f}]  "
          f"paired t p={final2['paired_t_p']:.2f}  permutation p={final2['permutation_p']:.2f}")
    groups = {k: [at(runs, s, steps[-1])['returns'] for s in seeds] for k, runs in (('old', old), ('new', new))}
    interval = lambda g: (lambda r: dict(mean=r['mean'], ci95=r['ci'], n=sum(map(len, g))))(seed_interval([np.mean(x) for x in g]))
    episodes = {k: interval(g) for k, g in groups.items()}
    ci = lambda k: f"{episodes[k]['mean']:.1f} [{episodes[k]['ci95'][0]:.1f}, {episodes[k]['ci95'][1]:.1f}]"
    print(f"final evaluation episodes (t interval over seed means): old {ci('old')}, new {ci('new')}")
    write_json(a.out, dict(old=a.old, new=a.new, seeds=[int(s) for s in seeds], per_step={str(k): v for k, v in per_step.items()},
                           final_last_two=final2, final_episodes=episodes, provenance=provenance()))
    print(f"written to {a.out}")


if __name__ == '__main__':
    main()
