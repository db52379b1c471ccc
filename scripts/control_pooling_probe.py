"""Diagnostic of the positive control: does the trained small V-JEPA 2 hold where things are, once pooling keeps space?

The pipeline's probes read mean-pooled embeddings. V-JEPA 2 puts position into attention (RoPE), not into the tokens,
so a mean over all tokens can lose *where* the finger is even when each token knows *what* it sees. This script
encodes a subset of the demonstration windows once per model and probes several poolings of the same tokens:
`mean` (the pipeline's), `last` (the last time step), `grid2` and `grid4` (spatial grids, 4 and 16 cells); and, as a
reference, the last frame's pixels at 16x16. Same ridge probe, same episode split, as the probe stage.

    .venv/bin/python scripts/control_pooling_probe.py runs/control --out results/control/pooling-probe.json

`--model` probes another trained model folder (and the twin rebuilt from its config and seed); `--held-out` draws
the episodes from the pretrain stage's held-out ones (video the encoder never trained on) instead of the first ones;
`--boot N` adds, for every pooling and target, the difference trained - twin in R^2 with a 95% percentile interval
from resampling the test episodes (the same resample for both models: a paired interval over which episodes were
tested; it does not cover another pretraining seed or another fit/test split), and a simultaneous interval for all
16 comparisons at once (Bonferroni: each at 0.05/16), the one to read when asking whether *any* readout differs.
`--folds K` cross-fits: the episodes fall into K folds, each fold's windows are predicted by probes fitted on the
other folds' episodes, and R^2 and the intervals use every episode (K = 4 tests four times as many episodes as
the single split's 25%); R^2 is then measured against the mean of all rows.

    .venv/bin/python scripts/control_pooling_probe.py runs/control --model runs/long/mask90-3000-400ep/model \
        --held-out --episodes 100 --every 4 --folds 4 --boot 10000 --out results/control/pooling-probe-long-crossfit.json
"""
import argparse, json
from pathlib import Path
import numpy as np
import torch
from tqdm import tqdm
from vjepa_policy.core import provenance, write_json, stage_settings
from vjepa_policy.demos import DemoDataset
from vjepa_policy.encoders import make_encoder, preprocess, pool_tokens
from vjepa_policy.probe import PROBE_TARGETS, Ridge, r2_score, split_episodes


def poolings(tokens, grid):
    "{name: (B, D)} of (B, t*h*w, D) tokens."
    B, _, D = tokens.shape
    t, h, w = grid
    x = tokens.view(B, t, h, w, D)
    out = {p: pool_tokens(tokens, grid, p) for p in ('mean', 'last', 'grid2')}
    out['grid4'] = x.view(B, t, 4, h // 4, 4, w // 4, D).mean((1, 3, 5)).reshape(B, 16 * D)
    return {k: v.numpy() for k, v in out.items()}


@torch.inference_mode()
def features(enc, windows, batch=64):
    "Pooled features of uint8 windows (N, T, H, W, 3) for every pooling."
    out = {}
    for i in range(0, len(windows), batch):
        w = torch.from_numpy(np.ascontiguousarray(windows[i:i + batch]))
        x = preprocess(w, enc.crop_size, enc.resize_size, 'bilinear', enc.dtype)
        tok = enc.model.get_vision_features(x).float()
        g = enc.crop_size // enc.patch
        for k, v in poolings(tok, (w.shape[1] // enc.tubelet, g, g)).items(): out.setdefault(k, []).append(v)
    return {k: np.concatenate(v) for k, v in out.items()}


POOLINGS = ('mean', 'last', 'grid2', 'grid4')


def paired_intervals(preds, Y, fit, test, per_episode, boot, seed=0):
    """R^2 of the trained model minus its twin's, per pooling and target, with a 95% interval over resampled test
    episodes, and a simultaneous one (Bonferroni over all the comparisons made here).

    `preds[name, target]` holds predictions for the rows `test` (episode-major, `per_episode` rows each); R^2 is
    measured against the fit rows' mean. Each resample's R^2 comes from per-episode sums of squares,
    so a resample costs a matrix product, not a pass over the rows; it equals R^2 over the resampled rows."""
    rng = np.random.default_rng(seed)
    n = len(test) // per_episode
    if n < 2: raise SystemExit(f"--boot needs at least 2 test episodes to resample, got {n}: probe more episodes (--episodes).")
    counts = np.stack([np.bincount(d, minlength=n) for d in rng.integers(0, n, (boot, n))]).astype(np.float64)  # (boot, n)
    pairs = [(pooling, t) for pooling in POOLINGS for t in Y]
    q = [0.025, 0.975, 0.025 / len(pairs), 1 - 0.025 / len(pairs)]
    out = []
    for pooling, t in pairs:
        y = Y[t].reshape(len(Y[t]), -1)
        yt = y[test]
        r = y[fit].mean(0)
        per_ep = lambda sq: sq.reshape(n, per_episode, -1).sum(1)                    # (n, columns)
        sst = per_ep((yt - r) ** 2)
        sse = [per_ep((yt - preds[f'{m}/{pooling}', t].reshape(yt.shape)) ** 2) for m in ('vjepa2-small-jepa', 'vjepa2-small-random')]
        def r2(w, e): return (1 - (w @ e) / np.maximum(w @ sst, 1e-12)).mean(-1)
        ones = np.ones(n)
        boots = r2(counts, sse[0]) - r2(counts, sse[1])
        lo, hi, slo, shi = np.quantile(boots, q)
        out.append(dict(pooling=pooling, target=t, difference=float(r2(ones, sse[0]) - r2(ones, sse[1])),
                        ci=[float(lo), float(hi)], ci_simultaneous=[float(slo), float(shi)]))
    return out


def fold_splits(n_eps, folds, seed=0):
    """Cross-fitting: `folds` disjoint test sets of episode positions covering all `n_eps`; for each, its fit and
    validation episodes are the others (a quarter of them for validation, as `split_episodes` does)."""
    if folds < 2 or n_eps < folds * 3: raise SystemExit(f"--folds {folds} needs at least 2 folds of 3 episodes each; got {n_eps} episodes.")
    parts = np.array_split(np.random.default_rng(seed).permutation(n_eps), folds)
    out = []
    for k, test in enumerate(parts):
        rest = np.concatenate([p for j, p in enumerate(parts) if j != k])
        n_val = max(1, len(rest) // 4)
        out.append((rest[n_val:], rest[:n_val], test))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('run_dir'); ap.add_argument('--task', default='reacher-easy')
    ap.add_argument('--episodes', type=int, default=100); ap.add_argument('--every', type=int, default=4)
    ap.add_argument('--out', default='results/control/pooling-probe.json')
    ap.add_argument('--model', help='the trained model folder (default: RUN_DIR/TASK/pretrain/model)')
    ap.add_argument('--held-out', action='store_true', help="the pretrain stage's held-out episodes (default: the first ones)")
    ap.add_argument('--profile', help="the profile whose pretrain settings held the episodes out (default: the run's pretrain "
                                      "stage's profile and settings, from its .stage.json; else cpu)")
    ap.add_argument('--boot', type=int, default=0, help='resamples of the test episodes for paired intervals (0: none)')
    ap.add_argument('--folds', type=int, default=0,
                    help='cross-fit over K folds of episodes: every episode tested once, by probes fitted on the others (0: one split)')
    a = ap.parse_args()
    root = Path(a.run_dir)/a.task
    ds = DemoDataset(root/'demos'/'data.zarr')
    model = Path(a.model) if a.model else root/'pretrain'/'model'
    if not (model/'config.json').exists():
        raise SystemExit(f"No trained model in {model}: run the pretrain stage (or scripts/control_sweep.py --save-dir) first.")
    pos = np.arange(len(ds.episodes))
    if a.held_out:                                                  # the split the pretrain stage held out (its settings)
        mark = root/'pretrain'/'.stage.json'
        params = json.loads(mark.read_text())['params'] if a.profile is None and mark.exists() else {}
        cfg = stage_settings('pretrain', a.profile or params.get('profile', 'cpu'), params.get('settings') or {}, task=a.task)
        _, _, pos = split_episodes(len(ds), cfg.held_out, 0)
    pos = np.asarray(pos)[:a.episodes]
    eps = np.asarray(ds.episodes)[pos]
    steps = np.arange(0, ds.config.episode_len, a.every)
    Y = {t: ds.array(f'info/{t}')[pos][:, steps].reshape(len(eps) * len(steps), -1) for t in PROBE_TARGETS}
    rows_of = lambda idx: (np.asarray(idx)[:, None] * len(steps) + np.arange(len(steps))).ravel()
    splits = [tuple(rows_of(i) for i in sp) for sp in (fold_splits(len(eps), a.folds) if a.folds else [split_episodes(len(eps), 0.25, 0)])]
    if a.folds: fit = test = np.arange(len(eps) * len(steps))       # out-of-fold predictions of every row, against their mean
    else: fit, val, test = splits[0]
    encs = {c: make_encoder(c, model=str(model), device='cpu') for c in ('vjepa2-small-jepa', 'vjepa2-small-random')}
    parts = {}
    for e in tqdm(eps, desc='encode', unit='ep'):                              # episode by episode: windows are 1.5 MB each
        wins = ds.windows(e)[steps]
        for c, enc in encs.items():
            for k, v in features(enc, wins).items(): parts.setdefault(f'{c}/{k}', []).append(v)
        last = torch.from_numpy(np.ascontiguousarray(wins[:, -1])).permute(0, 3, 1, 2).float()
        parts.setdefault('pixels 16x16 (last frame)', []).append(torch.nn.functional.adaptive_avg_pool2d(last, 16).flatten(1).numpy())
    feats = {k: np.concatenate(v) for k, v in parts.items()}
    rows, preds = [], {}
    for name, X in feats.items():
        r2 = {}
        for t, y in Y.items():
            y = y.reshape(len(y), -1)
            pred = np.zeros_like(y, dtype=np.float64)
            for f_, v_, t_ in splits:
                pred[t_] = Ridge().fit(X[f_], y[f_], X[v_], y[v_]).predict(X[t_])
            preds[name, t] = pred[test]
            r2[t] = r2_score(y[test], preds[name, t], ref_mean=y[fit].mean(0))
        rows.append(dict(features=name, dim=X.shape[1], **{t: float(v) for t, v in r2.items()}))
        print(f"{name:40s} dim {X.shape[1]:5d}  " + '  '.join(f"{t} {v:+.3f}" for t, v in r2.items()))
    paired = paired_intervals(preds, Y, fit, test, len(steps), a.boot) if a.boot else []
    for p in paired:
        print(f"trained - twin, {p['pooling']:5s} {p['target']:16s} {p['difference']:+.3f}  95% [{p['ci'][0]:+.3f}, {p['ci'][1]:+.3f}]"
              f"  simultaneous [{p['ci_simultaneous'][0]:+.3f}, {p['ci_simultaneous'][1]:+.3f}]")
    write_json(a.out, dict(task=a.task, run_dir=str(a.run_dir), model=str(model), episodes=len(eps), held_out=a.held_out,
                           every=a.every, windows=len(eps) * len(steps), folds=a.folds,
                           split=(dict(fit=len(splits[0][0]), val=len(splits[0][1]), test=len(test)) if not a.folds else
                                  dict(test=len(test), fold_test_episodes=[len(sp[2]) // len(steps) for sp in splits])),
                           rows=rows, paired=paired, boot=a.boot, provenance=provenance()))
    print(f"written: {a.out}")


if __name__ == '__main__':
    main()
