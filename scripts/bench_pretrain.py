"""Pretraining speed of the small V-JEPA 2 (the pretrain stage's model) on this machine, and its encoding speed.

Random clips of the real shapes (the cost of a step does not depend on the pixel values): the V-JEPA step
(target encoder on the whole clip, context encoder on the visible tokens of two masks, predictor, AdamW, EMA) at the
profile's batch, then the frozen encoder's forward on 8-frame windows as the encode stage runs it. Prints clips/s,
seconds per step, the projected wall time of the profile's steps against the target (<= 45 minutes on 2 cores).

    .venv/bin/python scripts/bench_pretrain.py                    # the cpu profile's model and batch
    .venv/bin/python scripts/bench_pretrain.py --steps 3 --set pretrain.hidden_size=64   # a quick look
"""
import argparse, copy, time
import numpy as np
import torch
from vjepa_policy.core import write_json, provenance, stage_settings, parse_overrides
from vjepa_policy.encoders import normalise, vjepa2_clip_flops, VJEPA2Encoder
from vjepa_policy.pretrain import build_model, sample_masks, train_step, _param_groups


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--profile', default='cpu')
    ap.add_argument('--steps', type=int, default=8, help='timed steps (after 2 warm-up steps)')
    ap.add_argument('--encode-windows', type=int, default=512, help='windows encoded for the encoding figure')
    ap.add_argument('--set', nargs='*', default=[], metavar='pretrain.KEY=VALUE')
    ap.add_argument('--out', default='results/bench/pretrain-cpu.json')
    a = ap.parse_args()
    cfg = stage_settings('pretrain', a.profile, parse_overrides(a.set).get('pretrain'))
    torch.manual_seed(0)
    model = build_model(cfg); c = model.config
    target = copy.deepcopy(model.encoder).requires_grad_(False)
    opt = torch.optim.AdamW(_param_groups(model, cfg.weight_decay), lr=cfg.lr)
    grid, t = c.crop_size // c.patch_size, cfg.frames // c.tubelet_size
    rng = np.random.default_rng(0)
    clips = torch.randint(0, 256, (cfg.batch_size, cfg.frames, 3, c.crop_size, c.crop_size), dtype=torch.uint8)
    params = sum(p.numel() for p in model.encoder.parameters())
    print(f"pretrain ({a.profile}): V-JEPA 2 {params / 1e6:.2f}M encoder params (width {c.hidden_size}, {c.num_hidden_layers} layers, "
          f"{c.crop_size}px, patch {c.patch_size}, tubelet {c.tubelet_size}), batch {cfg.batch_size}, mask ratio {cfg.mask_ratio}, "
          f"torch threads {torch.get_num_threads()}")
    times = []
    for i in range(a.steps + 2):
        t0 = time.perf_counter()
        masks = sample_masks(rng, cfg.batch_size, grid, t, cfg.mask_ratio, (cfg.short_scale, cfg.long_scale),
                             future=cfg.future_tubelets)
        train_step(model, target, opt, normalise(clips), masks, cfg.lr, cfg.ema_start, cfg.grad_clip)
        if i >= 2: times.append(time.perf_counter() - t0)
    step = float(np.median(times)); cps = cfg.batch_size / step
    projected = step * cfg.steps
    print(f"  training: {step:.3f} s/step (median of {len(times)}), {cps:.1f} clips/s")
    print(f"  projected for the profile's {cfg.steps} steps: {projected / 60:.1f} min   target: <= 45 min on 2 CPU cores "
          f"-> {'MET' if projected <= 45 * 60 else 'NOT MET'}")
    enc = VJEPA2Encoder(None, random_init=True, config=c, crop=False, device='cpu', name='bench')
    wins = np.random.default_rng(1).integers(0, 256, (64, cfg.frames, 256, 256, 3), dtype=np.uint8)
    enc(wins[:8])
    n, t0 = 0, time.perf_counter()
    while n < a.encode_windows: enc(wins); n += len(wins)
    enc_s = time.perf_counter() - t0
    fl = vjepa2_clip_flops(c, cfg.frames)
    print(f"  encoding (frozen, 8x256x256 uint8 windows resized to {c.crop_size}px): {n / enc_s:.0f} clips/s "
          f"({fl / 1e9:.2f} GFLOP per clip); 100k windows: {1e5 / (n / enc_s) / 60:.1f} min")
    write_json(a.out, dict(profile=a.profile, settings=cfg.key(), params=params, batch_size=cfg.batch_size,
                           seconds_per_step=step, clips_per_second=cps, steps=cfg.steps, projected_seconds=projected,
                           encode_clips_per_second=n / enc_s, encode_gflop_per_clip=fl / 1e9,
                           threads=torch.get_num_threads(), provenance=provenance()))
    print(f"  figures written to {a.out}")


if __name__ == '__main__':
    main()
