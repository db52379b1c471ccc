"""What SAC's frame windows cost per step: the NumPy `FrameWindow` sent whole to the encoder (old) against the
`DeviceWindow` ring on the encoder's device (new, `sac.DeviceWindow`).

Printed:
  1. bytes moved per step, old and new: in host memory (the window's shift, the ring's writes) and, on a GPU, from
     host to device (the old path sends all T frames each step, the new one only the newest);
  2. measured time per step of the window alone, old and new, at the paper's scale (`--n-envs` x `--size`, T frames);
  3. measured time per step of window + encoder, old and new, with a tiny encoder (`--encoder`, `--encoder-envs`);
  4. on a GPU, by arithmetic: host-to-device bytes per step / `--pcie-gbs` (PCIe, ~25 GB/s), per step and per
     SAC run of `--run-steps` environment steps. Pinned memory reaches that bandwidth; pageable memory (the old path)
     usually less, so the old figure is a lower bound.

    .venv/bin/python scripts/bench_gpu_path.py                     # CPU: 32 envs at 256x256, tiny V-JEPA 2
    python scripts/bench_gpu_path.py --device cuda --encoder vjepa2-random --out results/bench/gpu-path-cuda.json
"""
import argparse, statistics, time
import numpy as np
import torch
from vjepa_policy.core import write_json, provenance
from vjepa_policy.envs import FrameWindow
from vjepa_policy.encoders import make_encoder
from vjepa_policy.sac import DeviceWindow


def sync(device):
    if torch.device(device).type == 'cuda': torch.cuda.synchronize()


def per_step(fn, frames, steps, device) -> float:
    "Median seconds of `fn(frames[k])` over `steps` calls (after one warm-up call)."
    fn(frames[0]); sync(device)
    times = []
    for k in range(steps):
        t = time.perf_counter(); fn(frames[k % len(frames)]); sync(device); times.append(time.perf_counter() - t)
    return statistics.median(times)


def windows(n, size, T, device, steps, encoder=None):
    "Seconds per step (old, new) of pushing the newest frames (and encoding the window when `encoder` is given)."
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (n, size, size, 3), dtype=np.uint8) for _ in range(4)]
    old, new = FrameWindow(T), DeviceWindow(T, device)
    old.reset(frames[0]); new.reset(frames[0])
    dev = torch.device(device)
    def step_old(f):
        w = old.push(f)
        x = torch.from_numpy(w).to(dev, non_blocking=True)            # what the encoder did with a NumPy window
        return encoder(frames=x) if encoder else x
    def step_new(f):
        w = new.push(f)
        return encoder(frames=w) if encoder else w
    return per_step(step_old, frames, steps, device), per_step(step_new, frames, steps, device)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--n-envs', type=int, default=32)
    ap.add_argument('--size', type=int, default=256)
    ap.add_argument('--T', type=int, default=8)
    ap.add_argument('--steps', type=int, default=20, help='timed steps per measurement (median reported)')
    ap.add_argument('--encoder', default='vjepa2-tiny-random')
    ap.add_argument('--encoder-envs', type=int, default=8)
    ap.add_argument('--pcie-gbs', type=float, default=25.0, help='host-to-device bandwidth for the arithmetic, GB/s')
    ap.add_argument('--run-steps', type=int, default=500_000, help='environment steps of one SAC run (the plan: 500k)')
    ap.add_argument('--out', default=None, help='JSON file of the figures (with their provenance)')
    a = ap.parse_args()
    dev = torch.device(a.device)
    name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else f'cpu ({torch.get_num_threads()} threads)'
    frame = a.size * a.size * 3
    host_old, host_new = a.T * a.n_envs * frame, 2 * a.n_envs * frame          # shift of T slots / two ring writes
    h2d_old, h2d_new = a.T * a.n_envs * frame, a.n_envs * frame                # all T frames / the newest only

    w_old, w_new = windows(a.n_envs, a.size, a.T, a.device, a.steps)
    enc = make_encoder(a.encoder, device=a.device)
    e_old, e_new = windows(a.encoder_envs, a.size, a.T, a.device, max(3, a.steps // 4), enc)
    loop_steps = a.run_steps // a.n_envs
    gpu = {k: b / (a.pcie_gbs * 1e9) for k, b in (('old', h2d_old), ('new', h2d_new))}

    print(f"SAC frame windows on {name}: T={a.T} frames of {a.size}x{a.size}x3 uint8")
    print(f"\n1. bytes moved per step ({a.n_envs} envs)                    old (FrameWindow)   new (DeviceWindow)")
    print(f"   in host memory                                      {host_old / 1e6:10.1f} MB      {host_new / 1e6:10.1f} MB")
    print(f"   host -> GPU (on a GPU)                              {h2d_old / 1e6:10.1f} MB      {h2d_new / 1e6:10.1f} MB"
          f"   (pinned: {'yes' if dev.type == 'cuda' else 'on CUDA only'})")
    print(f"\n2. measured, window only, {a.n_envs} envs ({a.device})          {1e3 * w_old:10.2f} ms/step  {1e3 * w_new:10.2f} ms/step"
          f"   ({w_old / w_new:.1f}x)")
    print(f"3. measured, window + {a.encoder}, {a.encoder_envs} envs ({a.device})"
          f"\n                                                     {1e3 * e_old:10.2f} ms/step  {1e3 * e_new:10.2f} ms/step"
          f"   ({e_old / e_new:.2f}x)")
    print(f"\n4. on a GPU, by arithmetic: host->GPU bytes / {a.pcie_gbs:g} GB/s")
    print(f"   per step                                            {1e3 * gpu['old']:10.2f} ms       {1e3 * gpu['new']:10.2f} ms")
    print(f"   per SAC run of {a.run_steps:,} env steps ({loop_steps:,} steps of {a.n_envs} envs)"
          f"\n                                                     {loop_steps * gpu['old']:10.1f} s        {loop_steps * gpu['new']:10.1f} s")
    print("   (pageable memory, the old path, usually transfers below the pinned bandwidth: its figure is a lower bound)")
    if a.out:
        write_json(a.out, dict(device=name, n_envs=a.n_envs, size=a.size, T=a.T,
                               bytes_per_step=dict(host_old=host_old, host_new=host_new, h2d_old=h2d_old, h2d_new=h2d_new),
                               window_ms=dict(old=1e3 * w_old, new=1e3 * w_new),
                               encoder=a.encoder, encoder_envs=a.encoder_envs, window_encoder_ms=dict(old=1e3 * e_old, new=1e3 * e_new),
                               gpu_arithmetic=dict(pcie_gbs=a.pcie_gbs, ms_per_step={k: 1e3 * v for k, v in gpu.items()},
                                                   seconds_per_run={k: loop_steps * v for k, v in gpu.items()},
                                                   run_steps=a.run_steps),
                               provenance=provenance()))
        print(f"\nfigures written to {a.out}")


if __name__ == '__main__':
    main()
