"""The positive control's figures from a finished run folder: the small V-JEPA 2 trained on the task's own video
(`vjepa2-small-jepa`) against its random-weight twin (`vjepa2-small-random`), noise and state.

    .venv/bin/python scripts/control_results.py runs/control --out results/control/reacher-easy.json

A run pretrained on pixel targets (`--set pretrain.predict=pixels`) gets its own file, e.g.
`--out results/control/reacher-easy-pixels.json` (`results/README.md` gives the command that made it).

`--readout pooling=grid2` compares the pair read out another way (`vjepa2-small-jepa:pooling=grid2` against
`vjepa2-small-random:pooling=grid2`), from a run whose encode and bc stages had those conditions.

`--readout model=FOLDER` compares a pair trained outside the run (`vjepa2-small-jepa:model=FOLDER` against its twin
`vjepa2-small-random:model=FOLDER`, e.g. a model that `scripts/control_sweep.py --save-dir` saved). Such a run has no
pretrain stage: the file records the model's folder and architecture instead, and the 45-minute target is left to the
file that timed that training.

The run folder is made by the `cpu` profile (500 x 200 demonstrations at 256x256, 2000 V-JEPA steps, 5 BC seeds,
100 evaluation episodes each):

    MUJOCO_GL=egl .venv/bin/vjepa-policy run --profile cpu --run-dir runs/control \\
        --stages demos,pretrain,encode,probe,bc,evaluate,report

Everything printed and written is computed from the run's metrics and rollout files:
  - pretraining: the objective (`predict`: V-JEPA's target-encoder features, or its pixel-target ablation) and the
    stage's full settings, wall time, clips/s, final losses and collapse diagnostics;
  - probes: R^2 on held-out demonstration episodes per target and condition;
  - closed-loop BC success per training seed, on the same 100 evaluation episodes for every policy (seeds of the
    `eval` split, disjoint from the demonstrations the encoder was trained on);
  - paired comparisons of the trained encoder with each baseline (and the random policy): the difference on the
    (training seeds x shared evaluation episodes) tables with the crossed-design 95% interval and p-value of
    `vjepa_policy.stats` (training-seed and episode variation both counted);
  - the issue's targets: R^2 >= 0.8 on finger_xy and target_xy (met or not); success >= 60% and >= 2x the twin,
    three-way from the intervals (`stats.plan_bar`: met / not met / undecided); pretraining <= 45 min.
"""
import argparse
from pathlib import Path
import numpy as np
from vjepa_policy.core import provenance, read_json, safe_name, write_json
from vjepa_policy import stats as S
from vjepa_policy.encoders import split_condition
from vjepa_policy.report import PREDICTS, collect

PAIR = ('vjepa2-small-jepa', 'vjepa2-small-random')
ROOT = Path(__file__).resolve().parents[1]


def episode_success(ev_dir: Path, condition: str, seeds) -> np.ndarray:
    "Per-episode success (seeds x episodes) of `condition`'s policies (the random policy: its one run), from the rollout files."
    names = [condition] if condition == 'random' else [f'{condition}-seed{s}' for s in seeds]
    out = [read_json(ev_dir/'rollouts'/f"{safe_name(n)}.json")['success'] for n in names]
    if len({len(x) for x in out}) != 1: raise SystemExit(f"{condition}: the seeds were evaluated on different numbers of episodes")
    return np.asarray(out, float)


def pretrain_settings(run: Path, task: str) -> dict:
    "The pretrain stage's settings as its metrics file records them (the objective, masks, schedules, seed), {} if absent."
    m = run/task/'pretrain'/'metrics.json'
    return read_json(m).get('settings', {}) if m.exists() else {}


def outside_model(folder: str, run: Path, task: str, pair, seeds) -> dict:
    """What the results file records of a pair trained outside the run: its folder, a hash of its weights, its architecture.
    The run's BC policies record the weights their embeddings were made with; other weights in the folder stop the script."""
    import hashlib
    from vjepa_policy.bc import load_policy
    from vjepa_policy.encoders import check_model_folder, folder_weights_hash
    given, p = folder, Path(folder).expanduser()        # a relative folder: from the repository root, as the pipeline reads it
    try: folder = check_model_folder(pair[0], p if p.is_absolute() else ROOT/p)
    except FileNotFoundError as e: raise SystemExit(str(e)) from None
    cfg = read_json(Path(folder)/'config.json')
    weights = Path(folder)/'model.safetensors'
    want = {pair[0]: folder_weights_hash(folder), pair[1]: f"random-init-seed{cfg.get('init_seed') or 0}"}
    made = {}
    for ck_path in sorted(x for s in seeds for x in (run/task/'bc').glob(f'*/seed{s}.pt')):   # the seeds compared, not leftovers
        ck = load_policy(ck_path)[1]
        if ck['condition'] in want: made.setdefault(ck['condition'], set()).add(ck['spec']['encoder'].get('revision'))
    for c, w in want.items():
        if made.get(c) != {w}:
            raise SystemExit(f"{c}: the run's policies were trained on embeddings of {sorted(made.get(c, {'no policy'}))}, the folder "
                             f"now gives {w}: the weights changed since the run, or the run is not this pair's (run it again).")
    return dict(model=given, trained='outside this run', init_seed=cfg.get('init_seed'), weights_revision=want[pair[0]],
                twin_revision=want[pair[1]],
                weights_sha256=hashlib.sha256(weights.read_bytes()).hexdigest() if weights.exists() else None,
                architecture={k: cfg.get(k) for k in ('crop_size', 'patch_size', 'tubelet_size', 'frames_per_clip', 'hidden_size',
                                                      'num_hidden_layers', 'num_attention_heads', 'pred_hidden_size',
                                                      'pred_num_hidden_layers')})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('run_dir'); ap.add_argument('--task', default='reacher-easy')
    ap.add_argument('--out', default='results/control/reacher-easy.json')
    ap.add_argument('--note', default='', help='what the figures cannot say themselves (e.g. other jobs sharing the cores)')
    ap.add_argument('--readout', default='', metavar='KEY=VALUE[,...]',
                    help="the pair's options, e.g. pooling=grid2 (compares vjepa2-small-jepa:pooling=grid2 with its twin), "
                         "or model=FOLDER (a pair trained outside the run)")
    a = ap.parse_args()
    A, TWIN = (c + (f':{a.readout}' if a.readout else '') for c in PAIR)
    BASELINES = (TWIN, 'noise', 'state', 'random')
    run, task = Path(a.run_dir), a.task
    rows = collect(run)
    pick = lambda stage, **kw: [r for r in rows.get(stage, []) if r['task'] == task and all(r.get(k) == v for k, v in kw.items())]
    opts = split_condition(A)[1]
    folder = opts.get('model')                                       # a pair trained outside the run, or None
    pre = pick('pretrain', kind='summary')
    if not pre and not folder:
        raise SystemExit(f"No pretrain summary under {run}/{task}: run the cpu profile's pretrain stage first.")
    pre = None if folder else pre[0]
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
    pooled = {}
    for c in conds:
        m = S.mean_interval(success[c], bounds=(0, 1)); pooled[c] = dict(success_rate=m['mean'], ci95=m['ci'], n=m['n'])
    bounds = {r['condition']: r['success_rate'] for r in ev if r['condition'] == 'expert:jacobian'}
    comparisons = []
    for x, b in [(A, b) for b in BASELINES] + [(TWIN, 'noise'), ('noise', 'random')]:
        d = S.paired_difference(success[x], success[b])
        comparisons.append(dict(a=x, b=b, n=d['n'], mean_a=d['mean_a'], mean_b=d['mean_b'], difference=d['difference'],
                                ci95=d['ci'], p=d['p'], ratio=d['mean_a'] / d['mean_b'] if d['mean_b'] > 0 else None))
    bar = S.plan_bar(success[A], {TWIN: success[TWIN]})
    def part(k):
        p = bar['parts'][k]
        return dict(measured=p['estimate'], ci95=p['ci'], verdict=p['verdict'], met=p['verdict'] == 'met')
    timed = (dict(measured=pre['seconds'] / 60, met=bool(pre['seconds'] <= 45 * 60)) if pre else
             dict(measured=None, met=None, verdict='not measured here (trained outside this run)'))
    targets = {
        'probe R2 finger_xy >= 0.8': dict(measured=probe.get((A, 'finger_xy')), met=bool(probe.get((A, 'finger_xy'), 0) >= 0.8)),
        'probe R2 target_xy >= 0.8': dict(measured=probe.get((A, 'target_xy')), met=bool(probe.get((A, 'target_xy'), 0) >= 0.8)),
        'BC success >= 60%': part('success >= 60%'),
        'BC success >= 2x the random-weight twin (measured: success - 2 x twin)': part(f'>= 2x {TWIN}'),
        'pretraining <= 45 min on 2 cores': timed,
    }
    out = dict(task=task, run_dir=str(run), pair=[A, TWIN], readout=','.join(f'{k}={v}' for k, v in opts.items() if k != 'model') or 'pooling=mean', demos={k: demos.get(k) for k in ('episodes', 'episode_len', 'size', 'expert_success_rate')},
               pretrain=outside_model(folder, run, task, (A, TWIN), seeds) if folder else
                        dict({k: pre[k] for k in ('steps', 'batch_size', 'seconds', 'clips_per_second', 'final_loss', 'val_loss',
                                                  'eff_rank', 'std_mean', 'std_min', 'params', 'device')},
                             eff_rank_first=curve[0]['eff_rank'] if curve else None, val_loss_first=curve[0]['val_loss'] if curve else None,
                             predict=pre.get('predict', 'features'),   # the objective (a stage from before `predict` trained on features)
                             settings=pretrain_settings(run, task)),
               probe={c: {t: v for (cc, t), v in probe.items() if cc == c} for c in conds},
               success_per_seed=per_seed, success_pooled=pooled, bounds=bounds, comparisons=comparisons, targets=targets,
               note=a.note, provenance=provenance())
    write_json(a.out, out)
    if pre:
        print(f"pretrain (predicting {PREDICTS.get(out['pretrain']['predict'], out['pretrain']['predict'])}): {pre['steps']} steps in {pre['seconds'] / 60:.1f} min ({pre['clips_per_second']:.1f} clips/s); "
              f"held-out loss {out['pretrain']['val_loss_first']:.3f} -> {pre['val_loss']:.3f}; eff. rank {pre['eff_rank']:.1f}")
    else: print(f"the pair's weights: {folder} (trained outside this run; init_seed {out['pretrain']['init_seed']})")
    print('probe R2 ' + '; '.join(f"{c}: " + ', '.join(f"{t} {v:.2f}" for t, v in out['probe'][c].items()) for c in conds if out['probe'][c]))
    print(f"success ({pooled[A]['n']}) " + '; '.join(f"{c} {pooled[c]['success_rate']:.3f}" for c in conds) +
          '; ' + '; '.join(f"{k} {v:.2f}" for k, v in bounds.items()))
    for c in comparisons:
        ci = 'no interval' if c['ci95'] is None else f"95% CI {c['ci95'][0]:+.3f}..{c['ci95'][1]:+.3f}"
        print(f"{c['a']} - {c['b']}: {c['difference']:+.3f} ({ci}, p = {c['p']:.2g}, "
              f"{c['n']}); ratio " + (f"{c['ratio']:.2f}" if c['ratio'] else 'n/a'))
    for k, v in targets.items():
        print(f"target {k}: {v.get('verdict', 'met' if v['met'] else 'not met').upper()} ({v['measured']}"
              + (f", 95% CI {v['ci95'][0]:+.3f}..{v['ci95'][1]:+.3f})" if v.get('ci95') else ')'))
    print(f"written: {a.out}")


if __name__ == '__main__':
    main()
