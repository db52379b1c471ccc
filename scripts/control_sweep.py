"""Which V-JEPA training settings make the small encoder *see* more than its random-weight twin? A probe-tracked sweep.

The positive control failed with the first settings (results/control/reacher-easy.json): the trained encoder's
embeddings lost rank during training and probed worse than the random draw it started from. This script trains the
small V-JEPA 2 with several settings, each a complete short run (its own warm-up and cosine schedule), and every
`--probe-every` steps probes the target encoder's tokens on held-out episodes, pooled as the pipeline pools them
(`mean`) and on a 2x2 spatial grid (`grid2`). Step 0 of every run is the random-weight twin (the same draw), so each
curve starts at the baseline it has to beat.

    OMP_NUM_THREADS=2 .venv/bin/python scripts/control_sweep.py runs/control --steps 600 \\
        --config base lr=1e-3 --config slow-ema lr=3e-4 ema_start=0.996 ema_end=1.0

Each finished (config, step) row is appended to `--out` (JSON lines), so a run that is interrupted loses nothing and
`--resume` skips the runs that finished (an unfinished one starts again).
"""
import argparse, copy, json, time
from pathlib import Path
import numpy as np
import torch
from tqdm import tqdm
from vjepa_policy.core import stage_settings, parse_overrides, provenance
from vjepa_policy.demos import DemoDataset
from vjepa_policy.encoders import normalise, pool_tokens
from vjepa_policy.pretrain import Clips, build_model, sample_masks, train_step, lr_at, momentum_at, _param_groups, embedding_stats, _save_model
from vjepa_policy.probe import Ridge, r2_score, split_episodes

TARGETS = ('finger_xy', 'target_xy', 'finger_to_target', 'joints')


@torch.inference_mode()
def probe(encoder, windows, Y, split, grid, batch=64):
    "R^2 of ridge probes on the `mean` and `grid2` poolings of the encoder's tokens; and the embedding statistics."
    feats = {'mean': [], 'grid2': []}
    for i in range(0, len(windows), batch):
        tok = encoder(pixel_values_videos=normalise(windows[i:i + batch])).last_hidden_state.float()
        for p in feats: feats[p].append(pool_tokens(tok, grid, p).numpy())
    fit, val, test = split
    out = {}
    for p, X in feats.items():
        X = np.concatenate(X)
        for t, y in Y.items():
            r = Ridge().fit(X[fit], y[fit], X[val], y[val])
            out[f'{p}/{t}'] = r2_score(y[test], r.predict(X[test]), ref_mean=y[fit].mean(0))
    out.update(embedding_stats(encoder, normalise(windows[:256])))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('run_dir'); ap.add_argument('--task', default='reacher-easy')
    ap.add_argument('--steps', type=int, default=600); ap.add_argument('--probe-every', type=int, default=200)
    ap.add_argument('--train-episodes', type=int, default=150); ap.add_argument('--probe-episodes', type=int, default=100)
    ap.add_argument('--config', nargs='+', action='append', required=True, metavar=('NAME', 'KEY=VALUE'),
                    help='a name and pretrain settings over the profile\'s (repeat for several runs)')
    ap.add_argument('--out', default='results/control/sweep.jsonl'); ap.add_argument('--resume', action='store_true')
    ap.add_argument('--profile', default='cpu', help="the profile whose pretrain settings the runs start from (default: cpu)")
    ap.add_argument('--save-dir', help="save each finished run's model (target encoder and predictor, `save_pretrained`) "
                                       "in SAVE_DIR/NAME/model, as the pretrain stage saves it, for `make_encoder` and the probe scripts "
                                       "(with --resume, the runs already finished are skipped and not saved)")
    a = ap.parse_args()
    root = Path(a.run_dir)/a.task
    ds = DemoDataset(root/'demos'/'data.zarr')
    base = stage_settings('pretrain', a.profile, task=a.task)
    _, _, held = split_episodes(len(ds), base.held_out, 0)              # the pretrain stage's held-out episodes
    train_eps = np.delete(np.asarray(ds.episodes), held)[:a.train_episodes]
    probe_eps = np.asarray(ds.episodes)[held][:a.probe_episodes]
    fit, val, test = split_episodes(len(probe_eps), 0.25, 0)
    cache = {}
    ends_for = lambda T: np.arange(T - 1, ds.config.episode_len + 1, 8)   # probe windows of T frames end at these observations
    def data(crop, T):
        """The training clips of `T` frames at `crop` x `crop` (the pretrain stage's clip draw), the probe windows (T frames
        ending every 8 observations from the T-th), their targets and the probe split (fit, validation, test rows)."""
        if (crop, T) not in cache:
            cache.clear()                                               # one resolution and clip length in memory at a time
            ends = ends_for(T)
            pframes = Clips(ds, probe_eps, crop, T).frames
            windows = torch.stack([pframes[:, s - T + 1:s + 1] for s in ends], 1).flatten(0, 1)   # (E * len(ends), T, 3, c, c)
            n_windows = len(probe_eps) * len(ends)
            Y = {t: ds.array(f'info/{t}')[held][:a.probe_episodes][:, ends].reshape(n_windows, -1) for t in TARGETS}
            rows_of = lambda idx: (idx[:, None] * len(ends) + np.arange(len(ends))).ravel()
            cache[crop, T] = Clips(ds, train_eps, crop, T), windows, Y, tuple(rows_of(i) for i in (fit, val, test))
        return cache[crop, T]
    n_windows = len(probe_eps) * len(ends_for(base.frames))            # at the profile's clip length (each row has its own)
    configs = []                                                        # every config's settings checked before --out is touched
    for name, *kv in a.config:
        over = parse_overrides([f'pretrain.{s}' for s in kv]).get('pretrain', {})
        cfg = stage_settings('pretrain', a.profile, dict(over, steps=a.steps), task=a.task)
        if cfg.frames > ds.config.episode_len + 1:
            raise SystemExit(f"Config {name}: frames={cfg.frames} is longer than the demonstrations' episodes "
                             f"({ds.config.episode_len + 1} frames): choose fewer. Nothing was written.")
        configs.append((name, kv, cfg))
    done = set()
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    if a.resume and out.exists():
        done = {(r['config'], r['step']) for r in map(json.loads, out.read_text().splitlines()) if r.get('config')}
    elif out.exists(): out.unlink()
    with out.open('a') as f: f.write(json.dumps(dict(kind='setup', train_episodes=len(train_eps), probe_windows=n_windows,
                                                     steps=a.steps, provenance=provenance())) + '\n')
    for name, kv, cfg in configs:
        if (name, a.steps) in done: continue                            # finished in an earlier invocation
        clips, windows, Y, split = data(cfg.crop_size, cfg.frames)
        torch.manual_seed(cfg.seed)
        model = build_model(cfg); c = model.config
        target = copy.deepcopy(model.encoder).requires_grad_(False).eval()
        opt = torch.optim.AdamW(_param_groups(model, cfg.weight_decay), lr=cfg.lr)
        grid, t = c.crop_size // c.patch_size, cfg.frames // c.tubelet_size
        losses, t0 = [], time.perf_counter()
        for step in tqdm(range(a.steps + 1), desc=name, unit='step'):
            if step % a.probe_every == 0 and (name, step) not in done:
                r = dict(config=name, settings=kv, step=step, frames=cfg.frames, probe_windows=len(windows),
                         loss=float(np.mean(losses[-50:])) if losses else None,
                         train_seconds=time.perf_counter() - t0, **probe(target, windows, Y, split, (t, grid, grid)))
                if step == a.steps:                                   # the online encoder too, at the end
                    r.update({f'online/{k}': v for k, v in probe(model.encoder, windows, Y, split, (t, grid, grid)).items()})
                with out.open('a') as f: f.write(json.dumps(r) + '\n')
                print(' '.join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()), flush=True)
                t0 = time.perf_counter()
            if step == a.steps:
                if a.save_dir: _save_model(model, target, Path(a.save_dir)/name/'model', cfg.seed)
                break
            rng = np.random.default_rng([cfg.seed, step])
            x = normalise(clips.sample(rng, cfg.batch_size, cfg.motion_share))
            masks = sample_masks(rng, cfg.batch_size, grid, t, cfg.mask_ratio, (cfg.short_scale, cfg.long_scale),
                                 future=cfg.future_tubelets)
            losses.append(train_step(model, target, opt, x, masks, lr_at(step, cfg), momentum_at(step, cfg), cfg.grad_clip))


if __name__ == '__main__':
    main()
