"""Encoder throughput: clips/s and model FLOPs utilisation of V-JEPA 2 ViT-L and DINOv2-L at real size.

Random weights (the architecture is what costs, not the values), uint8 8x256x256 windows in, embeddings out:
the timed call includes the transfer to the device and the preprocessing, as in the pipeline. MFU is
(clips/s x FLOPs per clip, counted from the config) / (the matrix-multiply rate measured on the same device:
bf16 on CUDA, fp32 on CPU).

    .venv/bin/python scripts/bench_encoders.py                           # CPU: small counts
    python scripts/bench_encoders.py --batch-sizes 8,32,64,128 --iters 10 # on a CUDA GPU
"""
import argparse, time
from pathlib import Path
import numpy as np
import torch
from transformers import VJEPA2Config
from vjepa_policy.core import write_json, provenance
from vjepa_policy.encoders import (VJEPA2Encoder, Dinov2Encoder, DINOV2_LARGE, pick_device, default_dtype,
                                   vjepa2_clip_flops, dinov2_frame_flops, save_tiny_models, tiny_vjepa2_config,
                                   tiny_dinov2_config)


def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize()


def matmul_rate(device, dtype, n, iters=10) -> float:
    "Measured FLOP/s of an n x n matrix product."
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(2): a @ b
    sync(device); t0 = time.perf_counter()
    for _ in range(iters): a @ b
    sync(device)
    return 2 * n ** 3 * iters / (time.perf_counter() - t0)


def time_calls(fn, x, iters, device) -> float:
    fn(x); sync(device)                                     # warm-up (kernels, allocator, compile)
    t0 = time.perf_counter()
    for _ in range(iters): fn(x)
    sync(device)
    return (time.perf_counter() - t0) / iters


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--device', default=None)
    ap.add_argument('--batch-sizes', default=None, help='comma-separated; default 1,2 on CPU, 8,32,64,128 on CUDA')
    ap.add_argument('--iters', type=int, default=None, help='timed calls per batch size (default 2 CPU, 10 CUDA)')
    ap.add_argument('--models', default='vjepa2,dinov2')
    ap.add_argument('--compile', action='store_true', help='torch.compile the encoder first')
    ap.add_argument('--tiny', action='store_true', help='tiny configs instead of real size (checks the script, not speed)')
    ap.add_argument('--out', default=None, help='JSON file for the figures (default results/bench/encoders-<device>.json)')
    a = ap.parse_args()
    device = pick_device(a.device); dtype = default_dtype(device); cuda = device.type == 'cuda'
    sizes = [int(s) for s in (a.batch_sizes or ('8,32,64,128' if cuda else '1,2')).split(',')]
    iters = a.iters or (10 if cuda else 2)
    name = torch.cuda.get_device_name(device) if cuda else f'CPU ({torch.get_num_threads()} threads)'
    peak = matmul_rate(device, dtype, 8192 if cuda else 2048)
    print(f"device {name}, dtype {str(dtype).replace('torch.', '')}, measured matmul rate {peak / 1e12:.2f} TFLOP/s")
    rows = []
    for model in a.models.split(','):
        tiny = save_tiny_models() if a.tiny else {}
        if model == 'vjepa2':
            enc = VJEPA2Encoder(str(tiny.get('vjepa2')) if a.tiny else None, random_init=True, device=device)
            cfg = tiny_vjepa2_config() if a.tiny else VJEPA2Config()
            flops, label = vjepa2_clip_flops(cfg), f"V-JEPA 2 {'tiny' if a.tiny else 'ViT-L'}, 8x256x256 clip"
        else:
            enc = Dinov2Encoder(str(tiny.get('dinov2')) if a.tiny else None, random_init=True, device=device, k=1)
            cfg = tiny_dinov2_config() if a.tiny else DINOV2_LARGE()
            flops = dinov2_frame_flops(cfg, enc.crop_size)
            label = f"DINOv2-{'tiny' if a.tiny else 'L'}, one new 256x256 frame per window (cached)"
        if a.compile: enc.model = torch.compile(enc.model)
        print(f"== {label}: {flops / 1e12:.3f} TFLOP per clip")
        for bs in sizes:
            x = np.random.default_rng(0).integers(0, 256, (bs, 8 if model == 'vjepa2' else 1, 256, 256, 3), dtype=np.uint8)
            try: sec = time_calls(enc, x, iters, device)
            except torch.OutOfMemoryError:
                print(f"  batch {bs:4d}: out of memory"); torch.cuda.empty_cache(); continue
            cps = bs / sec
            mfu = cps * flops / peak
            mem = torch.cuda.max_memory_allocated(device) / 2**30 if cuda else None
            print(f"  batch {bs:4d}: {cps:9.2f} clips/s  {1e3 * sec / bs:9.2f} ms/clip  MFU {mfu:6.1%}"
                  + (f"  peak mem {mem:.1f} GiB" if mem else ''))
            rows.append(dict(model=model, batch=bs, clips_per_second=cps, seconds_per_call=sec, flops_per_clip=flops,
                             mfu=mfu, peak_memory_gib=mem))
        del enc
        if cuda: torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats(device)
    out = Path(a.out or f"results/bench/encoders-{'cuda' if cuda else 'cpu'}.json")
    write_json(out, dict(device=name, dtype=str(dtype), matmul_flops_per_second=peak, iters=iters,
                         compiled=a.compile, rows=rows, provenance=provenance()))
    print(f"figures written to {out}")


if __name__ == '__main__':
    main()
