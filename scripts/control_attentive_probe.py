"""Diagnostic of the positive control: does the trained small V-JEPA 2 beat its twin under an *attentive* readout?

Ridge probes of pooled tokens (`control_pooling_probe.py`) found the trained encoder and its random-weight twin alike.
V-JEPA evaluates frozen features with an attentive probe instead: learned queries attend over the tokens. This script
trains one on the last tubelet's tokens of each model (the frames the policy acts on), with the same episode split as
the ridge probes. V-JEPA 2's tokens carry no absolute position (RoPE places them inside attention only), so the
probe adds a learned embedding per token position to the values: attention picks tokens by what they show, and the
values say where they are. Both models get the same probe, the same seeds and the same training budget; targets
are standardised on the fit episodes, the epoch with the best validation loss is kept, and R^2 is on test episodes.

    .venv/bin/python scripts/control_attentive_probe.py runs/grid --out results/control/attentive-probe.json
"""
import argparse, copy
from pathlib import Path
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm import tqdm
from vjepa_policy.core import provenance, write_json
from vjepa_policy.demos import DemoDataset
from vjepa_policy.encoders import make_encoder, preprocess
from vjepa_policy.probe import PROBE_TARGETS, r2_score, split_episodes


class AttentiveProbe(nn.Module):
    "`queries` learned queries over (B, n, D) tokens, a learned position embedding added to the values; a linear head."
    def __init__(self, n:int, dim:int, out:int, width:int=64, queries:int=4):
        super().__init__()
        self.norm, self.k, self.v = nn.LayerNorm(dim), nn.Linear(dim, width), nn.Linear(dim, width)
        self.pos = nn.Parameter(torch.randn(n, width) * 0.02)
        self.q = nn.Parameter(torch.randn(queries, width) * 0.02)
        self.head = nn.Linear(queries * width, out)

    def forward(self, tok):
        h = self.norm(tok)
        a = torch.softmax(torch.einsum('qw,bnw->bqn', self.q, self.k(h)) / self.q.shape[1] ** 0.5, -1)
        return self.head(torch.einsum('bqn,bnw->bqw', a, self.v(h) + self.pos).flatten(1))


def fit_probe(X, Y, fit, val, test, epochs:int, seed:int, batch:int=256, lr:float=1e-3) -> tuple[np.ndarray, int]:
    "Test predictions (in the targets' units) of the probe at its best validation epoch, and that epoch."
    torch.manual_seed(seed)
    mu, sd = Y[fit].mean(0), Y[fit].std(0) + 1e-8
    Yz = torch.from_numpy((Y - mu) / sd).float()
    m = AttentiveProbe(X.shape[1], X.shape[2], Y.shape[1])
    opt = torch.optim.AdamW(m.parameters(), lr=lr, weight_decay=0.01)
    g = torch.Generator().manual_seed(seed)
    best, best_state, best_epoch = np.inf, None, -1
    for ep in range(epochs):
        m.train()
        for i in torch.randperm(len(fit), generator=g).split(batch):
            idx = fit[i.numpy()]
            loss = F.mse_loss(m(X[idx]), Yz[idx])
            opt.zero_grad(); loss.backward(); opt.step()
        m.eval()
        with torch.no_grad(): v = float(F.mse_loss(m(X[val]), Yz[val]))
        if v < best: best, best_state, best_epoch = v, copy.deepcopy(m.state_dict()), ep
    m.load_state_dict(best_state)
    with torch.no_grad(): pred = m(X[test]).numpy() * sd + mu
    return pred, best_epoch


@torch.inference_mode()
def last_tokens(enc, windows, batch=64) -> torch.Tensor:
    "The last tubelet's tokens (N, h*w, D) of uint8 windows (N, T, H, W, 3)."
    out = []
    for i in range(0, len(windows), batch):
        w = torch.from_numpy(np.ascontiguousarray(windows[i:i + batch]))
        tok = enc.model.get_vision_features(preprocess(w, enc.crop_size, enc.resize_size, 'bilinear', enc.dtype)).float()
        g = (enc.crop_size // enc.patch) ** 2
        out.append(tok[:, -g:].clone())
    return torch.cat(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('run_dir'); ap.add_argument('--task', default='reacher-easy')
    ap.add_argument('--episodes', type=int, default=100); ap.add_argument('--every', type=int, default=4)
    ap.add_argument('--epochs', type=int, default=40); ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    ap.add_argument('--threads', type=int, default=None)
    ap.add_argument('--out', default='results/control/attentive-probe.json')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    root = Path(a.run_dir)/a.task
    model = root/'pretrain'/'model'
    if not (model/'config.json').exists():
        raise SystemExit(f"No trained model in {model}: run the demos and pretrain stages of {a.run_dir} first.")
    ds = DemoDataset(root/'demos'/'data.zarr')
    eps = ds.episodes[:a.episodes]
    steps = np.arange(0, ds.config.episode_len, a.every)
    Y = {t: ds.array(f'info/{t}')[:len(eps)][:, steps].reshape(len(eps) * len(steps), -1).astype(np.float64) for t in PROBE_TARGETS}
    split = split_episodes(len(eps), 0.25, 0)
    rows_of = lambda idx: (idx[:, None] * len(steps) + np.arange(len(steps))).ravel()
    fit, val, test = (rows_of(i) for i in split)
    encs = {c: make_encoder(c, model=str(model), device='cpu') for c in ('vjepa2-small-jepa', 'vjepa2-small-random')}
    toks = {c: [] for c in encs}
    for e in tqdm(eps, desc='encode', unit='ep'):
        wins = ds.windows(e)[steps]
        for c, enc in encs.items(): toks[c].append(last_tokens(enc, wins))
    names = list(Y)
    cols = np.cumsum([0] + [Y[t].shape[1] for t in names])
    Yall = np.concatenate([Y[t] for t in names], 1)                   # one probe per model and seed reads every target
    rows = []
    for c in encs:
        X = torch.cat(toks[c])
        for s in a.seeds:
            pred, ep = fit_probe(X, Yall, fit, val, test, a.epochs, s)
            for j, t in enumerate(names):
                y, p = Y[t], pred[:, cols[j]:cols[j + 1]]
                r2 = float(r2_score(y[test], p, ref_mean=y[fit].mean(0)))
                rows.append(dict(condition=c, target=t, seed=s, r2=r2, best_epoch=ep))
                print(f"{c:22s} {t:18s} seed {s}: R^2 {r2:+.3f} (best epoch {ep})", flush=True)
    summary = {c: {t: float(np.mean([r['r2'] for r in rows if r['condition'] == c and r['target'] == t])) for t in names} for c in encs}
    for c, d in summary.items(): print(f"{c:22s} mean over seeds: " + '  '.join(f"{t} {v:+.3f}" for t, v in d.items()))
    write_json(a.out, dict(task=a.task, run_dir=str(a.run_dir), model=str(model), episodes=len(eps), every=a.every,
                           windows=len(eps) * len(steps), split=dict(fit=len(fit), val=len(val), test=len(test)),
                           tokens='last tubelet', epochs=a.epochs, seeds=a.seeds, rows=rows, mean_r2=summary,
                           provenance=provenance()))
    print(f"written: {a.out}")


if __name__ == '__main__':
    main()
