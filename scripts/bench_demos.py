"""Benchmark of phase 1a: rendering speed per preset, and generation of a demonstration dataset.

Prints frames/s for each render preset (one process), then generates a dataset with the worker processes
and prints its wall time, frames/s, bytes on disk and compression ratio against the plan's targets
(100k transitions at 256x256 in <= 5 minutes on 2 cores, <= 1 GB on disk).

    .venv/bin/python scripts/bench_demos.py                      # paper scale: 500 episodes x 200 steps -> results/bench/demos.json
    .venv/bin/python scripts/bench_demos.py --episodes 20        # a quick look
"""
import argparse, shutil, time
from pathlib import Path
import numpy as np
from vjepa_policy.core import dir_bytes, write_json, provenance, stage_settings
from vjepa_policy.envs import Env, RENDER_PRESETS
from vjepa_policy.demos import generate_demos, demo_metrics


def render_speed(preset: str, size: int, frames: int, task: str = 'reacher-easy', camera: int = 0) -> dict:
    "ms per rendered frame and per env step + render, in this process."
    env = Env(task, size=size, preset=preset, episode_len=frames + 1, camera=camera)
    env.reset(seed=0); env.render()                                  # the GL context is made on first use
    t0 = time.perf_counter()
    for _ in range(frames): env.render()
    render = (time.perf_counter() - t0) / frames
    rng = np.random.default_rng(0); env.reset(seed=1)
    t0 = time.perf_counter()
    for _ in range(frames): env.step(rng.uniform(-1, 1, env.action_dim))
    step = (time.perf_counter() - t0) / frames
    return dict(preset=preset, size=size, render_ms=1e3 * render, render_fps=1 / render, step_and_render_fps=1 / step)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--episodes', type=int, default=500)
    ap.add_argument('--episode-len', type=int, default=200)
    ap.add_argument('--size', type=int, default=256)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--frames', type=int, default=300, help='frames per preset for the render timing')
    ap.add_argument('--work', default='bench/demos', help='where the dataset is generated (deleted after unless --keep)')
    ap.add_argument('--out', default='results/bench/demos.json', help='JSON file for the figures')
    ap.add_argument('--keep', action='store_true', help='keep the dataset afterwards')
    a = ap.parse_args()
    out = Path(a.work); out.mkdir(parents=True, exist_ok=True)

    print(f"== rendering, one process, {a.size}x{a.size} reacher-easy, {a.frames} frames per preset")
    speeds = [render_speed(p, a.size, a.frames) for p in RENDER_PRESETS]
    for s in speeds:
        print(f"  {s['preset']:9s} {s['render_ms']:6.2f} ms/frame  {s['render_fps']:7.1f} frames/s  "
              f"(step + render: {s['step_and_render_fps']:6.1f}/s)")

    cfg = stage_settings('demos', 'paper', dict(episodes=a.episodes, episode_len=a.episode_len, size=a.size,
                                                workers=a.workers), task='reacher-easy')
    print(f"== dataset: {cfg.episodes} episodes x {cfg.episode_len} steps = {cfg.episodes * cfg.episode_len} transitions, "
          f"{a.workers} workers, preset {cfg.preset}")
    t0 = time.perf_counter()
    generate_demos(cfg, out/'data.zarr', force=True)
    wall = time.perf_counter() - t0
    m = demo_metrics(out/'data.zarr')
    frames = cfg.episodes * (cfg.episode_len + 1)
    raw = frames * cfg.size * cfg.size * 3
    frames_bytes = dir_bytes(out/'data.zarr'/'frames')
    print(f"  wall time        {wall:8.1f} s   (target for 100k transitions: <= 300 s)")
    print(f"  frames/s         {frames / wall:8.1f}     (rendered, compressed and written)")
    print(f"  on disk          {m['bytes_on_disk'] / 1e6:8.1f} MB  (target: <= 1000 MB)")
    print(f"  frames raw/disk  {raw / 1e6:8.1f} MB / {frames_bytes / 1e6:.1f} MB = {raw / frames_bytes:.1f}x zstd")
    print(f"  expert success   {m['expert_success_rate']:8.1%}")
    scale = 100_000 / (cfg.episodes * cfg.episode_len)
    if scale != 1: print(f"  scaled to 100k transitions: ~{wall * scale:.0f} s, ~{m['bytes_on_disk'] * scale / 1e6:.0f} MB")
    write_json(a.out, dict(render=speeds, dataset=dict(wall_seconds=wall, frames=frames,
               frames_per_second=frames / wall, bytes_on_disk=m['bytes_on_disk'], frames_raw_bytes=raw,
               frames_disk_bytes=frames_bytes, episodes=cfg.episodes, episode_len=cfg.episode_len, size=cfg.size,
               workers=a.workers, expert_success_rate=m['expert_success_rate']), provenance=provenance()))
    print(f"  figures written to {a.out}")
    if not a.keep: shutil.rmtree(out/'data.zarr')


if __name__ == '__main__':
    main()
