"""Diagnostic of the positive control: does the trained small V-JEPA 2 hold where things are, once pooling keeps space?

The pipeline's probes read mean-pooled embeddings. V-JEPA 2 puts position into attention (RoPE), not into the tokens,
so a mean over all tokens can lose *where* the finger is even when each token knows *what* it sees. This script
encodes a subset of the demonstration windows once per model and probes several poolings of the same tokens:
`mean` (the pipeline's), `last` (the last time step), `grid2` and `grid4` (spatial grids, 4 and 16 cells); and, as a
reference, the last frame's pixels at 16x16. Same ridge probe, same episode split, as the probe stage.

    .venv/bin/python scripts/control_pooling_probe.py runs/control --out results/control/pooling-probe.json
"""
import argparse
from pathlib import Path
import numpy as np
import torch
from tqdm import tqdm
from vjepa_policy.core import provenance, write_json
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('run_dir'); ap.add_argument('--task', default='reacher-easy')
    ap.add_argument('--episodes', type=int, default=100); ap.add_argument('--every', type=int, default=4)
    ap.add_argument('--out', default='results/control/pooling-probe.json')
    a = ap.parse_args()
    root = Path(a.run_dir)/a.task
    ds = DemoDataset(root/'demos'/'data.zarr')
    eps = ds.episodes[:a.episodes]
    steps = np.arange(0, ds.config.episode_len, a.every)
    Y = {t: ds.array(f'info/{t}')[:len(eps)][:, steps].reshape(len(eps) * len(steps), -1) for t in PROBE_TARGETS}
    fit, val, test = split_episodes(len(eps), 0.25, 0)
    rows_of = lambda idx: (idx[:, None] * len(steps) + np.arange(len(steps))).ravel()
    fit, val, test = rows_of(fit), rows_of(val), rows_of(test)
    model = root/'pretrain'/'model'
    encs = {c: make_encoder(c, model=str(model), device='cpu') for c in ('vjepa2-small-jepa', 'vjepa2-small-random')}
    parts = {}
    for e in tqdm(eps, desc='encode', unit='ep'):                              # episode by episode: windows are 1.5 MB each
        wins = ds.windows(e)[steps]
        for c, enc in encs.items():
            for k, v in features(enc, wins).items(): parts.setdefault(f'{c}/{k}', []).append(v)
        last = torch.from_numpy(np.ascontiguousarray(wins[:, -1])).permute(0, 3, 1, 2).float()
        parts.setdefault('pixels 16x16 (last frame)', []).append(torch.nn.functional.adaptive_avg_pool2d(last, 16).flatten(1).numpy())
    feats = {k: np.concatenate(v) for k, v in parts.items()}
    rows = []
    for name, X in feats.items():
        r2 = {}
        for t, y in Y.items():
            y = y.reshape(len(y), -1)
            r = Ridge().fit(X[fit], y[fit], X[val], y[val])
            r2[t] = r2_score(y[test], r.predict(X[test]), ref_mean=y[fit].mean(0))
        rows.append(dict(features=name, dim=X.shape[1], **{t: float(v) for t, v in r2.items()}))
        print(f"{name:40s} dim {X.shape[1]:5d}  " + '  '.join(f"{t} {v:+.3f}" for t, v in r2.items()))
    write_json(a.out, dict(task=a.task, run_dir=str(a.run_dir), episodes=len(eps), every=a.every, windows=len(eps) * len(steps),
                           split=dict(fit=len(fit), val=len(val), test=len(test)), rows=rows, provenance=provenance()))
    print(f"written: {a.out}")


if __name__ == '__main__':
    main()
